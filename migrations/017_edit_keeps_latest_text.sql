-- An edit keeps only the latest text (issue #18). WhatsApp and Telegram show no edit history, and neither does
-- Papo; yet each `ed` event kept the text it set, so every earlier version of a message stayed in the rows.
-- Now an edit clears the text of the message's earlier `ed` events in its own transaction (a device whose
-- cursor is before them gets the latest edit only: pg-messages.ts skips an `ed` event with no text), and
-- the earlier versions already there lose theirs now. The old row versions stay in the table's pages until
-- autovacuum, as for deletes (docs/reliability.md).

UPDATE events e SET content = NULL
  WHERE e.kind = 'ed' AND e.content IS NOT NULL
    AND EXISTS (SELECT 1 FROM events later WHERE later.kind = 'ed' AND later.message_seq = e.message_seq AND later.seq > e.seq);

CREATE OR REPLACE FUNCTION papo_edit(p_user text, p_seq bigint, p_content text, p_search text, p_not_before timestamptz, p_at timestamptz)
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
  UPDATE messages SET content = p_content, search_text = p_search, edited_at = p_at WHERE seq = p_seq RETURNING recipient, withheld INTO peer, w;
  UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = p_seq AND content IS NOT NULL;
  INSERT INTO events (username, seq, kind, peer, message_seq, at, content) VALUES (p_user, s, 'ed', peer, p_seq, p_at, p_content);
  -- A withheld message is only the sender's: so are its edits.
  IF NOT w THEN
    INSERT INTO events (username, seq, kind, peer, message_seq, at, content) VALUES (peer, s, 'ed', p_user, p_seq, p_at, p_content);
  END IF;
  PERFORM papo_notify(CASE WHEN w THEN ARRAY[p_user] ELSE ARRAY[p_user, peer] END, s);
  RETURN 'done';
END
$$;
