-- "Delete my account" keeps what the account received in its senders' histories (issue #17). 018 deleted those
-- messages for everyone, so each sender saw their own copy as deleted: the sender's history is the sender's, and
-- nothing acknowledged is ever lost. A `messages` row is shared by its sender's and its recipient's events, so
-- the rows other users' events still reference stay as they are (text, attachments, status events); only the
-- account's own events go. The rows that only the account could see go with it: what it sent while blocked
-- (withheld), with the files they carried, and its uploads that no send carries. There is no queue row to drop:
-- delivery is a cursor (`deliveries`), kept with the read marks as the status of the senders' copies.
CREATE OR REPLACE FUNCTION papo_delete_account(p_user text, p_at timestamptz, p_channel text, p_end_payload text)
-- NULL when there is no such account (or it was deleted already); else the users whose streams grew (none).
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r record;
  files text[] := '{}';
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
  DELETE FROM events WHERE username = p_user;
  -- Withheld: in no one's history but the account's own (013_blocks.sql).
  FOR r IN DELETE FROM messages WHERE sender = p_user AND withheld RETURNING attachments LOOP
    files := files || ARRAY(SELECT a ->> 'id' FROM jsonb_array_elements(coalesce(r.attachments, '[]'::jsonb)) a);
  END LOOP;
  files := files || ARRAY(SELECT id FROM attachments WHERE uploader = p_user AND claimed_to IS NULL);
  DELETE FROM conversations WHERE username = p_user;
  -- `deliveries` and `read_marks` stay: they are the status ("delivered", "read") of the senders' copies
  -- (pg-message-rows.ts STATUS_JOINS), and hold no text.
  -- As pg-attachments.ts's remove: the rows, and the bytes no other attachment shares.
  WITH gone AS (DELETE FROM attachments WHERE id = ANY (files) RETURNING sha256, thumb_sha256),
       digests AS (SELECT sha256 AS d FROM gone UNION SELECT thumb_sha256 FROM gone WHERE thumb_sha256 IS NOT NULL)
  DELETE FROM attachment_blobs b USING digests
  WHERE b.sha256 = digests.d
    AND NOT EXISTS (SELECT 1 FROM attachments a WHERE (a.sha256 = b.sha256 OR a.thumb_sha256 = b.sha256) AND a.id <> ALL (files));
  RETURN '{}'::text[];
END
$$;
