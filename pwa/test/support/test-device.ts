import type { Device, DeviceEvent } from '../../src/chat/device';

/**
 * A `Device` the test drives: it sets the network and visibility, fires the browser's events, and reads what the
 * app asked of the phone (notifications, badge, permission). Web Locks are one tab's here: tasks take turns.
 */
export class TestDevice implements Device {
  online = true;
  visible = true;
  permissionAsked = 0;
  readonly notifications: Array<{ from: string; content: string }> = [];
  readonly badges: number[] = [];
  private readonly listeners = new Map<DeviceEvent, Set<() => void>>();
  private readonly locks = new Map<string, Promise<void>>();

  isOnline(): boolean {
    return this.online;
  }

  isVisible(): boolean {
    return this.visible;
  }

  on(event: DeviceEvent, listener: () => void): () => void {
    const listeners = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, listeners);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Fires `event` as the browser would: `online`/`offline` also set the network, `shown` the visibility. */
  emit(event: DeviceEvent): void {
    if (event === 'online' || event === 'offline') this.online = event === 'online';
    if (event === 'shown') this.visible = true;
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  listening(event: DeviceEvent): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  askNotificationPermissionOnce(): void {
    this.permissionAsked++;
  }

  notifyMessage(from: string, content: string): void {
    this.notifications.push({ from, content });
  }

  setBadge(unread: number): void {
    this.badges.push(unread);
  }

  async exclusive(name: string, task: () => Promise<void>): Promise<void> {
    const before = this.locks.get(name) ?? Promise.resolve();
    const mine = before.then(task);
    this.locks.set(
      name,
      mine.catch(() => undefined),
    );
    await mine;
  }
}
