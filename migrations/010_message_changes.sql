-- Edit, delete for everyone, delete for me, replies and search (issue #18), as the text store keeps them
-- (docs/storage.md): a message row holds its latest text; an edit, a delete and a hide are events with their
-- own sequence numbers, in the streams of those who see them.
--
-- Search: messages.search_text holds the message's words folded by the application (api/store/search-words.ts:
-- NFD, marks removed, lower case), the same folding as the text store's index, and a GIN index over its
-- full-text vector (the 'simple' configuration: no stemming, no stop words) answers word-prefix queries
-- (`ola:* & tud:*`). Full text rather than pg_trgm: a word prefix is what search means here, and a trigram
-- index answers substrings inside words too, needs the extension, and takes about three times the space.
-- Folding in the application rather than with `unaccent` keeps both stores finding exactly the same
-- messages and needs no extension (nor the rights to create one).
ALTER TABLE messages
  ADD COLUMN reply_to bigint,
  ADD COLUMN edited_at timestamptz,
  ADD COLUMN deleted_at timestamptz,
  ADD COLUMN search_text text;
CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', search_text)) WHERE deleted_at IS NULL;
-- Rows from before this migration get their search_text from the application at start (PgMessages).
CREATE INDEX messages_unsearchable ON messages (seq) WHERE search_text IS NULL AND deleted_at IS NULL;

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('msg', 'st', 'rd', 'ed', 'del', 'hd'));
-- `ed`: the text the message was edited to (emptied when the message is deleted).
ALTER TABLE events ADD COLUMN content text;
CREATE INDEX events_hidden ON events (username, message_seq) WHERE kind = 'hd';
CREATE INDEX events_edits ON events (message_seq) WHERE kind = 'ed';

DROP FUNCTION papo_send_batch(text[], text[], text[], text[], jsonb[], timestamptz);
-- As in 008_attachments.sql, with each message's reply_to and search_text.
CREATE FUNCTION papo_send_batch(p_from text[], p_to text[], p_content text[], p_client_id text[], p_attachments jsonb[], p_at timestamptz,
  p_reply_to bigint[], p_search text[])
RETURNS TABLE (o_index int, o_outcome text, o_seq bigint, o_to text, o_content text, o_sent_at timestamptz, o_client_id text, o_attachments jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  s bigint;
  d_seq bigint;
  d_to text;
  d_content text;
  d_sent_at timestamptz;
  d_attachments jsonb;
  woke text[] := '{}';
BEGIN
  PERFORM papo_lock_seq();
  FOR i IN 1 .. coalesce(array_length(p_from, 1), 0) LOOP
    d_seq := NULL;
    IF p_client_id[i] IS NOT NULL THEN
      SELECT x.seq, x.recipient, x.content, x.sent_at, x.attachments INTO d_seq, d_to, d_content, d_sent_at, d_attachments
        FROM messages x WHERE x.sender = p_from[i] AND x.client_id = p_client_id[i];
    END IF;
    IF d_seq IS NOT NULL THEN
      o_index := i; o_seq := d_seq; o_to := d_to; o_content := d_content; o_sent_at := d_sent_at; o_client_id := p_client_id[i];
      o_attachments := d_attachments;
      o_outcome := CASE WHEN d_to = p_to[i] AND d_content = p_content[i] THEN 'duplicate' ELSE 'conflict' END;
      RETURN NEXT;
      CONTINUE;
    END IF;
    s := nextval('papo_seq');
    INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id, attachments, reply_to, search_text)
      VALUES (s, p_from[i], p_to[i], p_content[i], p_at, p_client_id[i], p_attachments[i], p_reply_to[i], p_search[i]);
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_from[i], s, 'msg', p_to[i], s, p_at), (p_to[i], s, 'msg', p_from[i], s, p_at);
    INSERT INTO conversations (username, peer, last_seq) VALUES (p_from[i], p_to[i], s), (p_to[i], p_from[i], s)
      ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq);
    IF NOT p_from[i] = ANY (woke) THEN woke := woke || p_from[i]; END IF;
    IF NOT p_to[i] = ANY (woke) THEN woke := woke || p_to[i]; END IF;
    o_index := i; o_outcome := 'created'; o_seq := s; o_to := p_to[i]; o_content := p_content[i]; o_sent_at := p_at; o_client_id := p_client_id[i];
    o_attachments := p_attachments[i];
    RETURN NEXT;
  END LOOP;
  IF s IS NOT NULL THEN PERFORM papo_notify(woke, s); END IF;
END
$$;

-- Why p_user may not change message p_seq (or NULL when they may), under the sequence lock: two deletes at
-- once give one 'done' and one 'deleted'.
CREATE FUNCTION papo_change_refusal(p_user text, p_seq bigint, p_not_before timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m messages%ROWTYPE;
BEGIN
  SELECT * INTO m FROM messages WHERE seq = p_seq AND (sender = p_user OR recipient = p_user);
  IF NOT FOUND OR EXISTS (SELECT 1 FROM events WHERE username = p_user AND kind = 'hd' AND message_seq = p_seq) THEN
    RETURN 'not_found';
  END IF;
  IF m.sender <> p_user THEN RETURN 'not_sender'; END IF;
  IF m.deleted_at IS NOT NULL THEN RETURN 'deleted'; END IF;
  IF m.sent_at < p_not_before THEN RETURN 'too_late'; END IF;
  RETURN NULL;
END
$$;

-- The sender edits message p_seq: its row holds the new text; both streams get an `ed` event.
CREATE FUNCTION papo_edit(p_user text, p_seq bigint, p_content text, p_search text, p_not_before timestamptz, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  refusal text;
  s bigint;
  peer text;
BEGIN
  PERFORM papo_lock_seq();
  refusal := papo_change_refusal(p_user, p_seq, p_not_before);
  IF refusal IS NOT NULL THEN RETURN refusal; END IF;
  s := nextval('papo_seq');
  UPDATE messages SET content = p_content, search_text = p_search, edited_at = p_at WHERE seq = p_seq RETURNING recipient INTO peer;
  INSERT INTO events (username, seq, kind, peer, message_seq, at, content)
    VALUES (p_user, s, 'ed', peer, p_seq, p_at, p_content), (peer, s, 'ed', p_user, p_seq, p_at, p_content);
  PERFORM papo_notify(ARRAY[p_user, peer], s);
  RETURN 'done';
END
$$;

-- The sender deletes message p_seq for everyone: its text and every edit's text leave the rows now (the old
-- row versions go at the next vacuum: docs/reliability.md); both streams get a `del` event.
CREATE FUNCTION papo_delete(p_user text, p_seq bigint, p_not_before timestamptz, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  refusal text;
  s bigint;
  peer text;
BEGIN
  PERFORM papo_lock_seq();
  refusal := papo_change_refusal(p_user, p_seq, p_not_before);
  IF refusal IS NOT NULL THEN RETURN refusal; END IF;
  s := nextval('papo_seq');
  UPDATE messages SET content = '', search_text = NULL, edited_at = NULL, deleted_at = p_at WHERE seq = p_seq RETURNING recipient INTO peer;
  UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = p_seq;
  INSERT INTO events (username, seq, kind, peer, message_seq, at)
    VALUES (p_user, s, 'del', peer, p_seq, p_at), (peer, s, 'del', p_user, p_seq, p_at);
  PERFORM papo_notify(ARRAY[p_user, peer], s);
  RETURN 'done';
END
$$;

-- p_user hides message p_seq in their own history (delete for me): 'not_found', 'deleted' (hidden already) or 'done'.
CREATE FUNCTION papo_hide(p_user text, p_seq bigint, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  s bigint;
  peer text;
BEGIN
  PERFORM papo_lock_seq();
  SELECT CASE WHEN sender = p_user THEN recipient ELSE sender END INTO peer
    FROM messages WHERE seq = p_seq AND (sender = p_user OR recipient = p_user);
  IF NOT FOUND THEN RETURN 'not_found'; END IF;
  IF EXISTS (SELECT 1 FROM events WHERE username = p_user AND kind = 'hd' AND message_seq = p_seq) THEN RETURN 'deleted'; END IF;
  s := nextval('papo_seq');
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, s, 'hd', peer, p_seq, p_at);
  PERFORM papo_notify(ARRAY[p_user], s);
  RETURN 'done';
END
$$;
