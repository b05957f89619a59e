-- Profiles (issue #19, items 11 and 12): a display name, who may see one's last seen, and when that was (ms
-- since the epoch, written in batches about once a minute, never moved back). No row: the defaults (no display
-- name, last seen shown to everyone).
CREATE TABLE profiles (
  username text PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
  display_name text,
  last_seen_visibility text NOT NULL DEFAULT 'everyone' CHECK (last_seen_visibility IN ('everyone', 'nobody')),
  last_seen_at bigint
);
