import type { Device } from '../chat/device';
import { askNotificationPermissionOnce, notifyMessage, setAppBadge } from './notifications';

/** The chat's `Device`: this browser's network and visibility events, notifications, badge and Web Locks. */
export const browserDevice: Device = {
  isOnline: () => navigator.onLine,
  isVisible: () => document.visibilityState === 'visible',
  on(event, listener) {
    if (event === 'shown') {
      const onVisibilityChange = () => {
        if (document.visibilityState === 'visible') listener();
      };
      document.addEventListener('visibilitychange', onVisibilityChange);
      return () => document.removeEventListener('visibilitychange', onVisibilityChange);
    }
    window.addEventListener(event, listener);
    return () => window.removeEventListener(event, listener);
  },
  askNotificationPermissionOnce,
  notifyMessage: (from, content, shownName) => void notifyMessage(from, content, shownName),
  setBadge: setAppBadge,
  async exclusive(name, task) {
    // Web Locks are shared by every tab of the origin; without them (old browsers) a tab runs alone.
    if (navigator.locks) await navigator.locks.request(name, task);
    else await task();
  },
};
