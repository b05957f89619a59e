-- A message deleted for everyone takes its attachments in the transaction of the delete (issue #18). Before,
-- their rows and bytes went in a second statement after it: a process killed between the two left them
-- claimed, readable by the two parties, and kept forever. Now the delete and the removal land together or not
-- at all. The same as papo_delete of 014_deleted_attachments.sql, plus the removal.

CREATE OR REPLACE FUNCTION papo_delete(p_user text, p_seq bigint, p_not_before timestamptz, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  refusal text;
  s bigint;
  peer text;
  w boolean;
  files jsonb;
  digests text[];
BEGIN
  PERFORM papo_lock_seq();
  refusal := papo_change_refusal(p_user, p_seq, p_not_before);
  IF refusal IS NOT NULL THEN RETURN refusal; END IF;
  s := nextval('papo_seq');
  SELECT attachments INTO files FROM messages WHERE seq = p_seq;
  UPDATE messages SET content = '', search_text = NULL, attachments = NULL, edited_at = NULL, deleted_at = p_at
    WHERE seq = p_seq RETURNING recipient, withheld INTO peer, w;
  UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = p_seq;
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, s, 'del', peer, p_seq, p_at);
  IF NOT w THEN
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (peer, s, 'del', p_user, p_seq, p_at);
  END IF;
  IF files IS NOT NULL AND jsonb_typeof(files) = 'array' THEN
    WITH gone AS (
      DELETE FROM attachments WHERE uploader = p_user AND id IN (SELECT f ->> 'id' FROM jsonb_array_elements(files) f)
      RETURNING sha256, thumb_sha256)
    SELECT array_agg(d) INTO digests FROM (SELECT sha256 AS d FROM gone UNION SELECT thumb_sha256 FROM gone WHERE thumb_sha256 IS NOT NULL) x;
    -- The bytes go unless another upload shares them. An upload of the same bytes at this very moment holds
    -- their row (pg-attachments.ts keep): then they stay, as that upload needs them.
    BEGIN
      DELETE FROM attachment_blobs b WHERE b.sha256 = ANY (digests)
        AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256 OR a.thumb_sha256 = b.sha256);
    EXCEPTION WHEN foreign_key_violation THEN NULL;
    END;
  END IF;
  PERFORM papo_notify(CASE WHEN w THEN ARRAY[p_user] ELSE ARRAY[p_user, peer] END, s);
  RETURN 'done';
END
$$;
