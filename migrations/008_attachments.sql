-- Photos and files (issue #18). The bytes are kept in the database, so every process serves every file:
-- as bytea in chunks of 256 KiB (attachment_chunks), one row per chunk, rather than as large objects. A chunk
-- is written and read one at a time, so no process holds a whole file in memory, where one bytea value would
-- have to be; and the chunks go with their row (ON DELETE CASCADE), where a large object outlives a deleted
-- row until someone runs vacuumlo. One row per content (sha256): a photo sent twice is kept once.
CREATE TABLE attachment_blobs (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL
);
CREATE TABLE attachment_chunks (
  sha256 text NOT NULL REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
  n int NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (sha256, n)
);

-- One upload: who sent it, its cleaned name and the type read from its bytes, and once a send carries it the
-- recipient who may read it too (claimed_to) and that send's clientId (a retry of it may carry it again).
CREATE TABLE attachments (
  id text PRIMARY KEY,
  uploader text NOT NULL REFERENCES users (username),
  uploaded_at timestamptz NOT NULL,
  sha256 text NOT NULL REFERENCES attachment_blobs (sha256),
  size bigint NOT NULL,
  type text NOT NULL,
  name text NOT NULL,
  width int,
  height int,
  thumb_sha256 text REFERENCES attachment_blobs (sha256),
  claimed_to text,
  claimed_client_id text,
  claimed_at timestamptz
);
-- The sweep's question: uploads no send carries, oldest first.
CREATE INDEX attachments_unclaimed ON attachments (uploaded_at) WHERE claimed_to IS NULL;
CREATE INDEX attachments_sha256 ON attachments (sha256);
CREATE INDEX attachments_thumb_sha256 ON attachments (thumb_sha256) WHERE thumb_sha256 IS NOT NULL;

-- What a message carries, as it was sent (the same JSON array as the text store's field, docs/storage.md).
ALTER TABLE messages ADD COLUMN attachments jsonb;

-- papo_send_batch (002_send_batch.sql) with the attachments of each item (NULL: none), in the same
-- transaction as the message: a message and what it carries are stored together or not at all.
DROP FUNCTION papo_send_batch(text[], text[], text[], text[], timestamptz);
CREATE FUNCTION papo_send_batch(p_from text[], p_to text[], p_content text[], p_client_id text[], p_attachments jsonb[], p_at timestamptz)
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
    INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id, attachments)
      VALUES (s, p_from[i], p_to[i], p_content[i], p_at, p_client_id[i], p_attachments[i]);
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
