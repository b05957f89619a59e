import type { Readable } from 'node:stream';
import { foldUsername } from '../names/username.js';
import type { MyProfile, ProfileUpdate, UserProfile } from '../contract.js';
import { AppError } from '../errors.js';
import { existingUsername } from '../accounts/existing-user.js';
import { accountDeleted } from '../accounts/delete-account.js';
import type { Store, StoredProfile } from '../store/store.js';
import { checkDisplayName } from './display-name.js';
import type { PresenceTracker } from './presence.js';
import { TypingLimiter } from './typing-limiter.js';

/** At most this many users in one `GET /api/users?names=` (the conversation list asks for its rows at once). */
export const MAX_USERS_PER_LOOKUP = 100;

export interface Profiles {
  mine(user: string): Promise<MyProfile>;
  updateMine(user: string, change: ProfileUpdate): Promise<MyProfile>;
  /** How `viewer` sees these users, in order; names with no account are left out. */
  lookup(viewer: string, names: readonly string[]): Promise<UserProfile[]>;
  /** How `viewer` sees one user; user_not_found when there is no such account. */
  lookupOne(viewer: string, name: string): Promise<UserProfile>;
  /** `from` is typing to `to`: passed on to `to`'s held polls, or coalesced into the one just passed on. */
  typing(from: string, to: string): Promise<'sent' | 'coalesced'>;
  /**
   * The name to show for `username` where a person reads it (a notification's title): the display name, else
   * the username. For the notifications' sender (issue #17).
   */
  shownName(username: string): Promise<string>;
  /**
   * `name`'s photo (its 320 px preview) for `viewer`, any logged-in user but one `name` blocked; not_found
   * when they have none (or blocked the viewer: the same answer).
   */
  photo(viewer: string, name: string): Promise<{ body: Readable; etag: string }>;
}

/** The photo's address: its attachment id in `v`, so a new photo is a new address and no cache shows the old. */
export const photoUrl = (username: string, photo: string | null): string | null =>
  photo === null ? null : `/api/users/${username}/photo?v=${photo}`;

/** What an attachment claimed as a profile photo says in its claim (it goes with no message). */
export const PHOTO_CLAIM = 'profile-photo';

/**
 * Profiles, last seen and typing (issue #19, items 10 to 12), in the words of the product: a display name is
 * checked and kept durably; last seen is hidden from everyone by a person who chose "nobody", and that person
 * sees nobody's; a typing signal goes to the peer's polls only.
 */
export function createProfiles(
  store: Pick<Store, 'users' | 'profiles' | 'signals' | 'attachments' | 'blocks'>,
  presence: PresenceTracker,
  now = Date.now,
): Profiles {
  const limiter = new TypingLimiter();

  const existingUser = (raw: string, field: string) => existingUsername(store.users, raw, field);

  const own = (p: StoredProfile): MyProfile => ({
    username: p.username,
    displayName: p.displayName,
    lastSeenVisibility: p.lastSeenVisibility,
    photoUrl: photoUrl(p.username, p.photo),
  });

  /**
   * Makes an upload of `user` their photo: an image they uploaded that no message carries. It is claimed for
   * the profile (to themself), so the sweep of unclaimed uploads leaves it, and it can go with no message.
   */
  async function claimPhoto(user: string, id: string): Promise<void> {
    const notYours = () => new AppError('attachment_not_found', `there is no attachment ${JSON.stringify(id)} of yours`);
    const a = await store.attachments.get(id);
    if (!a || a.uploader !== user) throw notYours();
    if (!a.thumbnail) throw new AppError('invalid_request', 'photo: the attachment is not a photo (JPEG, PNG or WebP)');
    const outcome = await store.attachments.claim(id, user, { to: user, clientId: PHOTO_CLAIM, at: new Date(now()).toISOString() });
    if (outcome === 'in_use')
      throw new AppError('attachment_in_use', `attachment ${JSON.stringify(id)} goes with a message; upload the photo again`);
    if (outcome === 'not_found') throw notYours();
  }

  async function one(user: string): Promise<StoredProfile> {
    const [profile] = await store.profiles.get([user]);
    if (!profile) throw new Error('the store answers one profile per name');
    return profile;
  }

  /**
   * Whether `owner` blocked `viewer` (issue #17). As on WhatsApp, a blocked person no longer sees the
   * blocker's last seen, online status, profile photo or typing: the block shows them nothing new.
   */
  const blockedBy = (owner: string, viewer: string): Promise<boolean> =>
    owner === viewer ? Promise.resolve(false) : store.blocks.isBlocked(owner, viewer);

  async function seenBy(viewer: string, users: readonly string[]): Promise<UserProfile[]> {
    const profiles = await store.profiles.get([viewer, ...users]);
    const viewerHides = profiles[0]?.lastSeenVisibility === 'nobody';
    const shown = profiles.slice(1);
    const blocked: boolean[] = await Promise.all(shown.map((p) => blockedBy(p.username, viewer)));
    const deleted = new Set<string>();
    for (const u of users) if (await store.users.isDeleted(u)) deleted.add(u);
    return shown.map((p, i): UserProfile => {
      // A deleted account (issue #17) shows as such, and nothing of the person.
      if (deleted.has(p.username)) return { username: p.username, displayName: null, presence: null, photoUrl: null, deleted: true };
      const hidden = p.username !== viewer && (viewerHides || p.lastSeenVisibility === 'nobody' || blocked[i] === true);
      const presence = presenceTracker(p);
      return {
        username: p.username,
        displayName: p.displayName,
        presence: hidden ? null : presence,
        photoUrl: blocked[i] === true ? null : photoUrl(p.username, p.photo),
      };
    });
  }

  function presenceTracker(p: StoredProfile): UserProfile['presence'] {
    const { online, lastSeenAt } = presence.of(p.username, p.lastSeenAt);
    return { online, lastSeenAt: lastSeenAt === null ? null : new Date(lastSeenAt).toISOString() };
  }

  return {
    async mine(user) {
      return own(await one(user));
    },

    async updateMine(user, change) {
      const checked = change.displayName === undefined ? undefined : checkDisplayName(change.displayName);
      if (checked && !checked.ok) throw new AppError('invalid_request', `displayName: ${checked.reason}`);
      const before = change.photo === undefined ? undefined : (await one(user)).photo;
      if (typeof change.photo === 'string' && change.photo !== before) await claimPhoto(user, change.photo);
      const after = await store.profiles.update(user, {
        ...(checked ? { displayName: checked.displayName } : {}),
        ...(change.lastSeenVisibility === undefined ? {} : { lastSeenVisibility: change.lastSeenVisibility }),
        ...(change.photo === undefined ? {} : { photo: change.photo }),
      });
      // The photo it replaced goes, once the new one is durable: nobody can be shown it any more.
      if (before && before !== after.photo) await store.attachments.remove([before]);
      return own(after);
    },

    async lookup(viewer, names) {
      if (names.length > MAX_USERS_PER_LOOKUP) throw new AppError('invalid_request', `names: at most ${MAX_USERS_PER_LOOKUP} at once`);
      const found: string[] = [];
      for (const raw of names) {
        const name = foldUsername(raw);
        if (name.ok && !found.includes(name.username) && (await store.users.exists(name.username))) found.push(name.username);
      }
      return seenBy(viewer, found);
    },

    async lookupOne(viewer, name) {
      const [profile] = await seenBy(viewer, [await existingUser(name, 'username')]);
      if (!profile) throw new Error('seenBy answers one profile per name');
      return profile;
    },

    async typing(from, rawTo) {
      const to = await existingUser(rawTo, 'to');
      if (to === from) throw new AppError('invalid_request', 'you cannot type to yourself');
      if (await store.users.isDeleted(to)) throw accountDeleted(to);
      // Dropped either way a block goes, and the typist is not told (as a withheld message is not).
      if ((await blockedBy(to, from)) || (await blockedBy(from, to))) return 'sent';
      if (!limiter.accept(from, to, now())) return 'coalesced';
      await store.signals.publish({ kind: 'typing', from, to });
      return 'sent';
    },

    async shownName(username) {
      if (await store.users.isDeleted(username)) return 'Deleted account';
      return (await one(username)).displayName ?? username;
    },

    async photo(viewer, name) {
      const none = () => new AppError('not_found', `${name} has no photo`);
      const folded = foldUsername(name);
      if (!folded.ok) throw none();
      // Someone they blocked gets the answer of a person with no photo.
      if (await blockedBy(folded.username, viewer)) throw none();
      const { photo } = await one(folded.username);
      const a = photo === null ? undefined : await store.attachments.get(photo);
      const sha256 = a?.thumbnailSha256;
      const body = sha256 === undefined ? undefined : await store.attachments.read(sha256);
      if (!body || sha256 === undefined) throw none();
      return { body, etag: `"${sha256}"` };
    },
  };
}
