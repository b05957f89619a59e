/** `online`, `offline`: the browser's network events; `shown`: the app came back on screen. */
export type DeviceEvent = 'online' | 'offline' | 'shown';

/**
 * The browser and the phone around the chat, as much as its logic needs of them. `browserDevice`
 * (device/browser-device.ts) is the real one; the unit tests pass their own.
 */
export interface Device {
  /** False means surely offline; true only that the network may work (`navigator.onLine`). */
  isOnline(): boolean;
  /** The app is on screen: not a background tab, not behind a locked screen. */
  isVisible(): boolean;
  /** Calls `listener` on each `event` until the returned function is called. */
  on(event: DeviceEvent, listener: () => void): () => void;
  askNotificationPermissionOnce(): void;
  /** A system notification for a message that arrived while the app is in the background. */
  /** `shownName`: the sender's display name where known (the title); `from` still names the conversation. */
  notifyMessage(from: string, content: string, shownName?: string): void;
  /** The unread count on the installed app's icon, where the platform has badges. */
  setBadge(unread: number): void;
  /** Runs `task` while no other tab of the app runs one under the same `name`. */
  exclusive(name: string, task: () => Promise<void>): Promise<void>;
}
