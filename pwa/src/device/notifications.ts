import { t } from '../lib/i18n';
import { subscribeGranted } from './web-push';

const ASKED_KEY = 'papo.notifications-asked';

function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/**
 * Asks for notification permission once, right after the person sent their first message: by then they know what
 * Papo is for, and the click that sent it counts as the user gesture browsers require. Never at first load.
 */
export function askNotificationPermissionOnce(): void {
  if (!notificationsSupported() || Notification.permission !== 'default') return;
  try {
    if (localStorage.getItem(ASKED_KEY)) return;
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // Storage refused (private mode): asking once per page load is still fine.
  }
  void Notification.requestPermission()
    // Allowed: notifications when the app is closed too (issue #17); Settings can turn them off.
    .then((permission) => (permission === 'granted' ? subscribeGranted() : undefined))
    .catch((error: unknown) => console.warn('papo: push not turned on', error));
}

/** A system notification for a message that arrived while the app is in the background. */
export async function notifyMessage(from: string, content: string, shownName = from): Promise<void> {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  const title = t('notificationTitle', { name: shownName });
  const options: NotificationOptions = {
    body: content.length > 140 ? `${content.slice(0, 140)}…` : content,
    // One notification per conversation, replaced by the newest message.
    tag: `papo:${from}`,
    icon: '/icons/icon-192.png',
    badge: '/icons/favicon-48.png',
    data: { peer: from },
  };
  try {
    // Android Chrome only shows notifications through the service worker (`new Notification` throws there).
    const registration = await navigator.serviceWorker?.getRegistration();
    if (registration) await registration.showNotification(title, options);
    else new Notification(title, options);
  } catch (error) {
    console.warn('papo: notification failed', error);
  }
}

/** The unread count on the installed app's icon, where the platform has badges. */
export function setAppBadge(unread: number): void {
  if (!('setAppBadge' in navigator)) return;
  const update = unread > 0 ? navigator.setAppBadge(unread) : navigator.clearAppBadge();
  update.catch(() => undefined);
}
