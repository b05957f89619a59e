-- "Deleted means gone" (issue #18): a message deleted for everyone also loses its attachments column (the
-- files' names, types, sizes and ids), in the transaction of the delete, as the text store blanks that
-- field in its history files. The attachments' own rows go with the delete already (pg-attachments.ts).
-- Rows deleted before this migration lose theirs now.

UPDATE messages SET attachments = NULL WHERE deleted_at IS NOT NULL AND attachments IS NOT NULL;

CREATE OR REPLACE FUNCTION papo_delete(p_user text, p_seq bigint, p_not_before timestamptz, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  refusal text;
  s bigint;
  peer text;
  w boolean;
BEGIN
  PERFORM papo_lock_seq();
  refusal := papo_change_refusal(p_user, p_seq, p_not_before);
  IF refusal IS NOT NULL THEN RETURN refusal; END IF;
  s := nextval('papo_seq');
  UPDATE messages SET content = '', search_text = NULL, attachments = NULL, edited_at = NULL, deleted_at = p_at
    WHERE seq = p_seq RETURNING recipient, withheld INTO peer, w;
  UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = p_seq;
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, s, 'del', peer, p_seq, p_at);
  IF NOT w THEN
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (peer, s, 'del', p_user, p_seq, p_at);
  END IF;
  PERFORM papo_notify(CASE WHEN w THEN ARRAY[p_user] ELSE ARRAY[p_user, peer] END, s);
  RETURN 'done';
END
$$;
