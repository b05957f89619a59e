import type { Device } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import { ObservableState } from '../lib/observable-state';
import type { ChatContext } from './chat-context';

/** Holds this device's polls, answering the function that lets them go again. */
export type HoldPolls = () => Promise<() => void>;

/**
 * My devices and my password (issue #17). `revision` goes up whenever a change here logs devices out, so a
 * devices list on screen reads the server's again.
 */
export class MyAccount {
  readonly revision = new ObservableState<{ n: number }>({ n: 0 });

  constructor(
    private readonly context: ChatContext,
    private readonly holdPolls: HoldPolls,
  ) {}

  async devices(): Promise<Device[]> {
    return (await this.guard(() => this.context.api.devices())).devices;
  }

  async endDevice(id: string): Promise<void> {
    await this.guard(() => this.context.api.endDevice(id));
    this.changed();
  }

  /** How many devices were logged out. */
  async endOtherDevices(): Promise<number> {
    const { ended } = await this.guard(() => this.context.api.endOtherDevices());
    this.changed();
    return ended;
  }

  /**
   * The change ends every session of mine, this one too, before its answer brings this device a new cookie: a
   * poll sent in between would carry the old cookie, get a 401 and log this device out. So the polls wait for
   * the answer. A wrong current password is a 401 too (`wrong_password`): the form's to show, not a lost session.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const resume = await this.holdPolls();
    try {
      await this.guard(() => this.context.api.changePassword(currentPassword, newPassword));
    } finally {
      resume();
    }
    this.changed();
  }

  private changed(): void {
    this.revision.update(({ n }) => ({ n: n + 1 }));
  }

  private async guard<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_authenticated') this.context.requestFailed(error);
      throw error;
    }
  }
}
