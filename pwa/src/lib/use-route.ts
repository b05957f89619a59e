import { useEffect, useState } from 'preact/hooks';

export type Route = { name: 'list' } | { name: 'chat'; peer: string } | { name: 'history' } | { name: 'settings' };

/**
 * Routes live in the hash (`#/c/maria`), so the server needs no route table and a notification can link straight
 * to a conversation. Each in-app step records its depth in `history.state`, so the Back button goes back like
 * the phone's back gesture when there is an in-app page behind, and to the list when the page was opened directly.
 */
function routeFromHash(hash: string): Route {
  const chat = /^#\/c\/(.+)$/.exec(hash);
  if (chat?.[1]) return { name: 'chat', peer: decodeURIComponent(chat[1]) };
  if (hash === '#/history') return { name: 'history' };
  if (hash === '#/settings') return { name: 'settings' };
  return { name: 'list' };
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'chat':
      return `#/c/${encodeURIComponent(route.peer)}`;
    case 'history':
      return '#/history';
    case 'settings':
      return '#/settings';
    case 'list':
      return '#/';
  }
}

/** The mounted `useRoute`s, told of each `navigate` (pushState fires no event). */
const navigationListeners = new Set<() => void>();

/** How many in-app steps lead to this page (0: it was opened directly). */
function historyDepth(): number {
  const state: unknown = history.state;
  return typeof state === 'object' && state !== null && 'papoDepth' in state && typeof state.papoDepth === 'number' ? state.papoDepth : 0;
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState({ papoDepth: historyDepth() }, '', routeHref(route));
  else history.pushState({ papoDepth: historyDepth() + 1 }, '', routeHref(route));
  for (const listener of navigationListeners) listener();
}

export function goBack(): void {
  if (historyDepth() > 0) history.back();
  else navigate({ name: 'list' }, { replace: true });
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeFromHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(routeFromHash(location.hash));
    navigationListeners.add(update);
    window.addEventListener('popstate', update);
    window.addEventListener('hashchange', update);
    return () => {
      navigationListeners.delete(update);
      window.removeEventListener('popstate', update);
      window.removeEventListener('hashchange', update);
    };
  }, []);
  return route;
}
