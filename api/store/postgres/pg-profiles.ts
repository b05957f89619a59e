import type { LastSeenVisibility, ProfileChange, ProfileRepository, StoredProfile } from '../store.js';
import type { Db } from './db.js';

type ProfileRow = {
  username: string;
  display_name: string | null;
  last_seen_visibility: LastSeenVisibility | null;
  last_seen_at: string | null;
  photo: string | null;
};

/** Profiles in PostgreSQL (`profiles`, migration 007): shared by every process. */
export class PgProfiles implements ProfileRepository {
  constructor(private readonly db: Db) {}

  async get(usernames: readonly string[]): Promise<StoredProfile[]> {
    const rows = await this.db.query<ProfileRow>(
      'SELECT username, display_name, last_seen_visibility, last_seen_at, photo FROM profiles WHERE username = ANY($1::text[])',
      [usernames],
    );
    const byName = new Map(rows.map((r) => [r.username, r]));
    return usernames.map((username) => toProfile(username, byName.get(username)));
  }

  async update(username: string, change: ProfileChange): Promise<StoredProfile> {
    // $2/$3 say whether the field is being changed: a display name may be set to null (the username again).
    const [row] = await this.db.query<ProfileRow>(
      `INSERT INTO profiles (username, display_name, last_seen_visibility, photo)
         VALUES ($1, CASE WHEN $2 THEN $4::text END, COALESCE($5::text, 'everyone'), CASE WHEN $6 THEN $7::text END)
       ON CONFLICT (username) DO UPDATE SET
         display_name = CASE WHEN $2 THEN $4::text ELSE profiles.display_name END,
         last_seen_visibility = CASE WHEN $3 THEN $5::text ELSE profiles.last_seen_visibility END,
         photo = CASE WHEN $6 THEN $7::text ELSE profiles.photo END
       RETURNING username, display_name, last_seen_visibility, last_seen_at, photo`,
      [
        username,
        change.displayName !== undefined,
        change.lastSeenVisibility !== undefined,
        change.displayName ?? null,
        change.lastSeenVisibility ?? null,
        change.photo !== undefined,
        change.photo ?? null,
      ],
    );
    return toProfile(username, row);
  }

  async recordLastSeen(seen: ReadonlyMap<string, number>): Promise<void> {
    if (seen.size === 0) return;
    // One statement for the batch; GREATEST because another process may have seen the same user later.
    // Only existing users: a name deleted meanwhile is skipped, not an error.
    await this.db.query(
      `INSERT INTO profiles (username, last_seen_at)
         SELECT s.username, s.at FROM unnest($1::text[], $2::bigint[]) AS s(username, at)
         JOIN users u ON u.username = s.username
       ON CONFLICT (username) DO UPDATE SET last_seen_at = GREATEST(profiles.last_seen_at, EXCLUDED.last_seen_at)`,
      [[...seen.keys()], [...seen.values()]],
    );
  }
}

function toProfile(username: string, row: ProfileRow | undefined): StoredProfile {
  return {
    username,
    displayName: row?.display_name ?? null,
    lastSeenVisibility: row?.last_seen_visibility ?? 'everyone',
    lastSeenAt: row?.last_seen_at == null ? null : Number(row.last_seen_at),
    photo: row?.photo ?? null,
  };
}
