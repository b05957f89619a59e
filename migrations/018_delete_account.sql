-- "Delete my account" (issue #17). A deleted account keeps its row as a tombstone: its name is reserved
-- forever (nobody can sign up or log in with it), and the messages it sent, which reference it, stay with the
-- people it sent them to. Everything else of it goes in one transaction (papo_delete_account): its sessions
-- (each end announced as a logout is, so every process drops it at once), push subscriptions, profile and
-- photo, blocks by or of it, its history rows, and the messages it received, deleted for everyone as
-- papo_delete does (the senders get a `del` event), with the attachments they carried.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

CREATE FUNCTION papo_delete_account(p_user text, p_at timestamptz, p_channel text, p_end_payload text)
-- NULL when there is no such account (or it was deleted already); else the users whose streams grew.
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  s bigint;
  files text[] := '{}';
  woke text[] := '{}';
BEGIN
  PERFORM papo_lock_seq();
  -- The hash goes with the account: no password matches '!deleted'.
  UPDATE users SET password_hash = '!deleted', deleted_at = p_at WHERE username = p_user AND deleted_at IS NULL;
  IF NOT FOUND THEN RETURN NULL; END IF;
  FOR r IN DELETE FROM session WHERE sess ->> 'username' = p_user RETURNING sid LOOP
    PERFORM pg_notify(p_channel, p_end_payload || ' ' || r.sid);
  END LOOP;
  DELETE FROM push_subscriptions WHERE username = p_user;
  SELECT files || array_remove(ARRAY[photo], NULL) INTO files FROM profiles WHERE username = p_user;
  files := coalesce(files, '{}');
  DELETE FROM profiles WHERE username = p_user;
  DELETE FROM blocks WHERE blocker = p_user OR blocked = p_user;
  FOR r IN
    SELECT m.seq, m.sender, m.attachments FROM messages m
    WHERE m.recipient = p_user AND NOT m.withheld AND m.deleted_at IS NULL ORDER BY m.seq
  LOOP
    files := files || ARRAY(SELECT a ->> 'id' FROM jsonb_array_elements(coalesce(r.attachments, '[]'::jsonb)) a);
    s := nextval('papo_seq');
    UPDATE messages SET content = '', search_text = NULL, attachments = NULL, edited_at = NULL, deleted_at = p_at WHERE seq = r.seq;
    UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = r.seq;
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (r.sender, s, 'del', p_user, r.seq, p_at);
    IF NOT r.sender = ANY (woke) THEN woke := woke || r.sender; END IF;
  END LOOP;
  DELETE FROM events WHERE username = p_user;
  DELETE FROM conversations WHERE username = p_user;
  DELETE FROM deliveries WHERE username = p_user;
  DELETE FROM read_marks WHERE username = p_user;
  -- As pg-attachments.ts's remove: the rows, and the bytes no other attachment shares.
  WITH gone AS (DELETE FROM attachments WHERE id = ANY (files) RETURNING sha256, thumb_sha256),
       digests AS (SELECT sha256 AS d FROM gone UNION SELECT thumb_sha256 FROM gone WHERE thumb_sha256 IS NOT NULL)
  DELETE FROM attachment_blobs b USING digests
  WHERE b.sha256 = digests.d
    AND NOT EXISTS (SELECT 1 FROM attachments a WHERE (a.sha256 = b.sha256 OR a.thumb_sha256 = b.sha256) AND a.id <> ALL (files));
  IF s IS NOT NULL THEN PERFORM papo_notify(woke, s); END IF;
  RETURN woke;
END
$$;
