import { promises as fsp } from 'node:fs';
import { isCanonicalUsername } from '../../names/username.js';
import type { LastSeenVisibility, ProfileChange, ProfileRepository, StoredProfile } from '../store.js';
import { decodeRecord, encodeRecord, splitFields } from './codec.js';
import { DATA_FILES } from './data-layout.js';
import { isOutOfSpace, nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import { rewriteLive } from './live-rewrite.js';
import type { Decoded } from './records.js';

export const PROFILE_FILE = DATA_FILES.profiles;

type ProfileRecord =
  | { kind: 'p'; username: string; displayName: string | null; lastSeenVisibility: LastSeenVisibility; photo: string | null }
  | { kind: 's'; username: string; at: number };

export interface Settings {
  displayName: string | null;
  lastSeenVisibility: LastSeenVisibility;
  photo: string | null;
}

const DEFAULTS: Settings = { displayName: null, lastSeenVisibility: 'everyone', photo: null };

/**
 * Profiles on the data folder (`perfis.txt`, issue #19, items 11 and 12; docs/storage.md). Two kinds of line,
 * the last of each kind for a user winning:
 *
 *   p;<username>;<display name, empty for none>;<everyone|nobody>[;<photo>];crc   a person's settings,
 *       fsynced before the change is acknowledged; the photo (an attachment id) only when there is one
 *   s;<username>;<last seen, ms since the epoch>;crc                    last seen, appended in batches about
 *                                                                        once a minute, not fsynced
 *
 * Everything is held in memory (a few dozen bytes a user). At open the file is rewritten with one line per
 * user and kind. A damaged line (not a torn tail) may have been someone's "nobody": that person's last seen is
 * hidden from then on (written as such at the rewrite); when the line does not even say whose it was, every
 * last seen is hidden and the file is left as it is, so the damage stays visible until an operator looks.
 */
export class ProfileFile implements ProfileRepository {
  private readonly settings = new Map<string, Settings>();
  private readonly lastSeen = new Map<string, number>();
  private writing: Promise<unknown> = Promise.resolve();
  /** Bytes of whole lines in the file: a failed write is cut back to it. */
  private fileSize = 0;
  /** A damaged line named nobody: every last seen is hidden (see above). */
  private hideAll = false;
  private closing: Promise<void> | undefined;
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  /** Why the file was not rewritten at open (a full disk, or damage that names nobody), if it was not. */
  notCompacted: unknown;

  private constructor(
    private handle: DiskFile,
    private readonly file: string,
    private readonly disk: Disk,
  ) {}

  static async open(file: string, disk: Disk = nodeDisk): Promise<ProfileFile> {
    const loaded = await loadRecordFile(file, decodeProfileRecord, disk);
    const settings = new Map<string, Settings>();
    const lastSeen = new Map<string, number>();
    for (const { value } of loaded.records) {
      if (value.kind === 'p')
        settings.set(value.username, { displayName: value.displayName, lastSeenVisibility: value.lastSeenVisibility, photo: value.photo });
      else lastSeen.set(value.username, Math.max(value.at, lastSeen.get(value.username) ?? 0));
    }
    let hideAll = false;
    if (loaded.damage.length > 0) {
      const raw = await fsp.readFile(file);
      for (const d of loaded.damage) {
        const owner = ownerOf(
          raw
            .subarray(d.offset, d.offset + d.length)
            .toString('utf8')
            .replace(/\n$/, ''),
        );
        if (owner === undefined) hideAll = true;
        else settings.set(owner, { ...(settings.get(owner) ?? DEFAULTS), lastSeenVisibility: 'nobody' });
      }
    }
    let notCompacted: unknown;
    if (hideAll) notCompacted = new Error(`${file} has a damaged line that names nobody: every last seen is hidden`);
    else {
      const lines = [...settings].map(([u, s]) => encodeSettings(u, s)).concat([...lastSeen].map(([u, at]) => encodeSeen(u, at)));
      await writeDurably(disk, file, lines.join('')).catch((err: unknown) => {
        if (!isOutOfSpace(err)) throw err;
        notCompacted = err;
      });
    }
    const handle = await openCreating(disk, file, 'a');
    const profiles = new ProfileFile(handle, file, disk);
    for (const [u, s] of settings) profiles.settings.set(u, s);
    for (const [u, at] of lastSeen) profiles.lastSeen.set(u, at);
    profiles.hideAll = hideAll;
    profiles.fileSize = (await handle.stat()).size;
    profiles.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    profiles.notCompacted = notCompacted;
    return profiles;
  }

  async get(usernames: readonly string[]): Promise<StoredProfile[]> {
    return usernames.map((username) => {
      const s = this.settings.get(username) ?? DEFAULTS;
      return {
        username,
        displayName: s.displayName,
        lastSeenVisibility: this.hideAll ? 'nobody' : s.lastSeenVisibility,
        lastSeenAt: this.lastSeen.get(username) ?? null,
        photo: s.photo,
      };
    });
  }

  async update(username: string, change: ProfileChange): Promise<StoredProfile> {
    const next = { ...(this.settings.get(username) ?? DEFAULTS), ...change };
    // Durable before it is acknowledged; in memory only once it is, so a failed write changes nothing.
    await this.append(encodeSettings(username, next), true);
    this.settings.set(username, next);
    const [profile] = await this.get([username]);
    if (!profile) throw new Error('get() answers one profile per name');
    return profile;
  }

  async recordLastSeen(seen: ReadonlyMap<string, number>): Promise<void> {
    const lines: string[] = [];
    for (const [username, at] of seen) {
      if (at <= (this.lastSeen.get(username) ?? 0)) continue;
      this.lastSeen.set(username, at);
      lines.push(encodeSeen(username, at));
    }
    if (lines.length > 0) await this.append(lines.join(''), false);
  }

  /**
   * `username`'s settings and last seen go (their account is deleted, issue #17): the file is rewritten with
   * everyone else's lines only, durably, before it resolves. Not while a damaged line that names nobody hides
   * every last seen (`hideAll`): a rewrite would drop that line, and with it the hiding, so damage would widen
   * access; their lines stay until an operator repairs the file: false then.
   */
  async forget(username: string): Promise<boolean> {
    const write = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.settings.has(username) && !this.lastSeen.has(username)) return true;
        if (this.hideAll) return false;
        const settings = new Map(this.settings);
        const lastSeen = new Map(this.lastSeen);
        settings.delete(username);
        lastSeen.delete(username);
        const lines = [...settings].map(([u, s]) => encodeSettings(u, s)).concat([...lastSeen].map(([u, at]) => encodeSeen(u, at)));
        const { handle, size } = await rewriteLive(this.disk, this.file, lines.join(''), this.handle);
        this.handle = handle;
        this.fileSize = size;
        this.settings.delete(username);
        this.lastSeen.delete(username);
        return true;
      });
    this.writing = write;
    return write;
  }

  /** Whether the file holds anything of `username` (an unfinished deletion is finished at start). */
  holds(username: string): boolean {
    return this.settings.has(username) || this.lastSeen.has(username);
  }

  /** Waits for the write in flight and closes the file; a second call does nothing. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writing.catch(() => undefined);
      await this.handle.close();
    })();
    return this.closing;
  }

  /** One write at a time, so lines never interleave; a failed write is cut off the file and fails its caller. */
  private append(data: string, sync: boolean): Promise<void> {
    const write = this.writing
      .catch(() => undefined)
      .then(async () => {
        try {
          await this.handle.write(data);
          if (sync) await this.handle.datasync();
          this.fileSize += Buffer.byteLength(data);
        } catch (err) {
          await this.handle.truncate(this.fileSize).catch(() => undefined);
          throw err;
        }
      });
    this.writing = write;
    return write;
  }
}

/** A `p` line of perfis.txt (docs/storage.md); the migration tool writes them too. */
export function encodeSettings(username: string, s: Settings): string {
  const fields = ['p', username, s.displayName ?? '', s.lastSeenVisibility];
  return encodeRecord(s.photo === null ? fields : [...fields, s.photo]);
}

/** An `s` line of perfis.txt: when `username` was last seen. */
export function encodeSeen(username: string, at: number): string {
  return encodeRecord(['s', username, String(at)]);
}

function decodeProfileRecord(line: string): Decoded<ProfileRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, username = '', third = '', fourth, photo] = r.fields;
  if (!isCanonicalUsername(username)) return { ok: false, reason: 'not a username' };
  const photoOk = photo === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(photo);
  if (kind === 'p' && (r.fields.length === 4 || r.fields.length === 5) && photoOk && (fourth === 'everyone' || fourth === 'nobody')) {
    return {
      ok: true,
      value: { kind, username, displayName: third === '' ? null : third, lastSeenVisibility: fourth, photo: photo ?? null },
    };
  }
  if (kind === 's' && r.fields.length === 3 && /^\d{1,15}$/.test(third)) return { ok: true, value: { kind, username, at: Number(third) } };
  return { ok: false, reason: 'not a profile record' };
}

/** The user a damaged line was about, when its second field still reads as a username. */
function ownerOf(line: string): string | undefined {
  const fields = splitFields(line);
  const owner = fields.ok ? fields.fields[1] : undefined;
  return owner !== undefined && isCanonicalUsername(owner) ? owner : undefined;
}
