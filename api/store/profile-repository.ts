/** Who may see a person's last seen and online status (issue #19, item 11). */
export type LastSeenVisibility = 'everyone' | 'nobody';

/** What a person says about themself, and when they were last seen (ms since the epoch). */
export interface StoredProfile {
  username: string;
  /** Shown instead of the username where set; null: the username. */
  displayName: string | null;
  lastSeenVisibility: LastSeenVisibility;
  lastSeenAt: number | null;
  /** The attachment (issue #18) that is this person's photo, claimed by them for it; null: none. */
  photo: string | null;
}

export interface ProfileChange {
  displayName?: string | null;
  photo?: string | null;
  lastSeenVisibility?: LastSeenVisibility;
}

/**
 * Profiles (issue #19, items 11 and 12). A person's settings are acknowledged, so durable before `update`
 * resolves. Last-seen times are written in batches (`recordLastSeen`, about once a minute), off every
 * request's path: a kill -9 keeps them, a power loss may cost the last batch, which only makes a "last seen"
 * a minute older. A store that finds a profile record damaged must hide that person's last seen (the
 * narrower setting), never fall back to showing it.
 */
export interface ProfileRepository {
  /** Profiles of these usernames, in that order; a user who never set anything gets the defaults. */
  get(usernames: readonly string[]): Promise<StoredProfile[]>;
  /** Changes the profile durably; returns it as now stored. */
  update(username: string, change: ProfileChange): Promise<StoredProfile>;
  /** Moves last-seen times forward (never back: several processes may report one user). */
  recordLastSeen(seen: ReadonlyMap<string, number>): Promise<void>;
}
