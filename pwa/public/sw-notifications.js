// Imported by the generated service worker (vite.config.ts, workbox.importScripts): generateSW writes the
// caching, this file adds what Workbox does not do, Web Push and notification taps (issue #17).

// The notification's words, in the two languages of the app (pwa/src/lib/i18n.ts), chosen as the app chooses.
const TEXTS = {
  en: {
    from: (name) => `Message from ${name}`,
    many: (n, name) => `${n} messages from ${name}`,
    anonymous: 'New message',
    anonymousMany: (n) => `${n} new messages`,
  },
  pt: {
    from: (name) => `Mensagem de ${name}`,
    many: (n, name) => `${n} mensagens de ${name}`,
    anonymous: 'Nova mensagem',
    anonymousMany: (n) => `${n} novas mensagens`,
  },
};

function texts() {
  const languages = self.navigator.languages || [self.navigator.language || 'en'];
  for (const language of languages) {
    const code = String(language).toLowerCase().slice(0, 2);
    if (code === 'pt' || code === 'en') return TEXTS[code];
  }
  return TEXTS.pt;
}

/**
 * One push (api/push/push-payload.ts): {v, tag, peer, count, badge, from?, text?}, where the server's
 * PUSH_PREVIEW may leave out `text`, or `from` and `text`. The app icon shows the unread count; the
 * notification is one per conversation (its tag), saying how many when there are several.
 */
self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(showPush(data));
});

async function showPush(data) {
  const badge = Number(data.badge);
  if ('setAppBadge' in self.navigator && Number.isFinite(badge)) {
    await (badge > 0 ? self.navigator.setAppBadge(badge) : self.navigator.clearAppBadge()).catch(() => undefined);
  }
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  // The app is open and in front: it shows the message itself (a push can reach a device polling through
  // another server process), and a browser asks for no notification while the site is focused.
  if (windows.some((w) => w.focused && w.visibilityState === 'visible')) return;
  const t = texts();
  const count = Number(data.count) > 1 ? Number(data.count) : 1;
  const title = data.from ? (count > 1 ? t.many(count, data.from) : t.from(data.from)) : count > 1 ? t.anonymousMany(count) : t.anonymous;
  const text = typeof data.text === 'string' ? data.text : '';
  await self.registration.showNotification(title, {
    body: text.length > 140 ? `${text.slice(0, 140)}…` : text,
    // One per conversation: a burst replaces it, and renotify makes the replacement ring again.
    tag: typeof data.tag === 'string' ? data.tag : 'papo',
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/favicon-48.png',
    data: { peer: typeof data.peer === 'string' ? data.peer : undefined },
  });
}

// A tap on a message notification opens that conversation, in the open window when there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const peer = event.notification.data && event.notification.data.peer;
  const target = peer ? `/#/c/${encodeURIComponent(peer)}` : '/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) return open.navigate(target).then((client) => (client || open).focus());
      return self.clients.openWindow(target);
    }),
  );
});
