-- Papo on PostgreSQL (issue #5): the same data as the text files (docs/storage.md), one row per record.
-- Applied by api/store/postgres/migrate.ts under an advisory lock; never edit a migration once released,
-- add the next number instead.

-- Settings of this data set: `epoch` (carried in every stream cursor, so a cursor from another data set is a
-- 410, never a silent gap) and the generated session secret.
CREATE TABLE papo_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO papo_meta (key, value) VALUES ('epoch', substr(md5(random()::text || clock_timestamp()::text), 1, 12));

-- One sequence for every event of every user, so a user's stream is ordered by it and a cursor is a number.
CREATE SEQUENCE papo_seq AS bigint;

CREATE TABLE users (
  username text PRIMARY KEY,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A message's id is its sequence number (as in the text store).
CREATE TABLE messages (
  seq bigint PRIMARY KEY,
  sender text NOT NULL REFERENCES users (username),
  recipient text NOT NULL REFERENCES users (username),
  content text NOT NULL,
  sent_at timestamptz NOT NULL,
  client_id text,
  CONSTRAINT messages_client_id_key UNIQUE (sender, client_id)
);
CREATE INDEX messages_recipient ON messages (recipient, seq);
CREATE INDEX messages_conversation ON messages (recipient, sender, seq);

-- Each user's history file as rows: `msg` (a message sent or received; message_seq = seq), `st` (a message the
-- user sent became delivered/read by `peer`), `rd` (the user read the conversation with `peer` up to
-- message_seq). The stream is the `msg` and `st` rows of a user, by seq.
CREATE TABLE events (
  username text NOT NULL,
  seq bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('msg', 'st', 'rd')),
  peer text NOT NULL,
  message_seq bigint NOT NULL,
  status text CHECK (status IN ('delivered', 'read')),
  at timestamptz NOT NULL,
  PRIMARY KEY (username, seq)
);
CREATE INDEX events_conversation ON events (username, peer, seq) WHERE kind = 'msg';
-- Who had events after a given seq: the catch-up after the LISTEN connection was lost.
CREATE INDEX events_seq ON events (seq);

-- Delivery is acknowledged by cursor, so what a recipient has received is a prefix of what was sent to them:
-- one number per recipient stands for the text store's per-message `delivered` flags, and there is no queue
-- to compact.
CREATE TABLE deliveries (
  username text PRIMARY KEY,
  upto bigint NOT NULL
);

-- `username` has read the messages `peer` sent them up to `upto`.
CREATE TABLE read_marks (
  username text NOT NULL,
  peer text NOT NULL,
  upto bigint NOT NULL,
  PRIMARY KEY (username, peer)
);

-- The newest message of each conversation, for GET /api/conversations.
CREATE TABLE conversations (
  username text NOT NULL,
  peer text NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY (username, peer)
);
CREATE INDEX conversations_recent ON conversations (username, last_seq DESC);

-- express-session's sessions (connect-pg-simple's table; ids are stored as SHA-256, see pg-sessions.ts).
CREATE TABLE session (
  sid varchar NOT NULL PRIMARY KEY,
  sess json NOT NULL,
  expire timestamp(6) NOT NULL
);
CREATE INDEX session_expire ON session (expire);

-- Sequence numbers are taken only under this lock, held to the commit (released after the transaction is
-- visible). So transactions become visible in sequence order: any snapshot holds every seq below the
-- highest it holds, and a poll can never skip an event that committed late. Per schema, so that data sets
-- sharing a database do not wait for each other.
CREATE FUNCTION papo_lock_seq() RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('papo.seq.' || current_schema(), 0))
$$;

-- Wakes the long-polls of `users` on every process (delivered at commit). Payload: "<seq> <user> <user>...",
-- or "<seq> *" when too long for NOTIFY: listeners then look up who had events.
CREATE FUNCTION papo_notify(users text[], last_seq bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  payload text := last_seq::text || ' ' || array_to_string(users, ' ');
BEGIN
  IF octet_length(payload) > 7000 THEN
    payload := last_seq::text || ' *';
  END IF;
  PERFORM pg_notify('papo:' || current_schema(), payload);
END
$$;

-- A send, idempotent by (sender, client_id): 'created', or the earlier message as 'duplicate' (same recipient
-- and content) or 'conflict'.
CREATE FUNCTION papo_send(p_from text, p_to text, p_content text, p_client_id text, p_at timestamptz)
RETURNS TABLE (o_outcome text, o_seq bigint, o_to text, o_content text, o_sent_at timestamptz, o_client_id text)
LANGUAGE plpgsql AS $$
DECLARE
  s bigint;
  attempt int;
BEGIN
  -- Checked before the lock (a retry costs no wait) and again under it (a concurrent retry on another process).
  FOR attempt IN 1..2 LOOP
    IF p_client_id IS NOT NULL THEN
      RETURN QUERY
        SELECT CASE WHEN m.recipient = p_to AND m.content = p_content THEN 'duplicate' ELSE 'conflict' END,
               m.seq, m.recipient, m.content, m.sent_at, m.client_id
        FROM messages m WHERE m.sender = p_from AND m.client_id = p_client_id;
      IF FOUND THEN RETURN; END IF;
    END IF;
    IF attempt = 1 THEN PERFORM papo_lock_seq(); END IF;
  END LOOP;
  s := nextval('papo_seq');
  INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id) VALUES (s, p_from, p_to, p_content, p_at, p_client_id);
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_from, s, 'msg', p_to, s, p_at), (p_to, s, 'msg', p_from, s, p_at);
  INSERT INTO conversations (username, peer, last_seq) VALUES (p_from, p_to, s), (p_to, p_from, s)
    ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq);
  PERFORM papo_notify(ARRAY[p_from, p_to], s);
  RETURN QUERY SELECT 'created'::text, s, p_to, p_content, p_at, p_client_id;
END
$$;

-- The recipient acknowledged its stream up to p_upto: its messages up to there become delivered, with a
-- `delivered` event in each sender's stream (unless already read). Returns the newly delivered messages.
-- SQLSTATE PA410 when p_upto was never handed out (a cursor from before a restore).
CREATE FUNCTION papo_acknowledge(p_user text, p_upto bigint, p_at timestamptz)
RETURNS TABLE (o_seq bigint, o_sender text, o_sent_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  done bigint;
  r record;
  last bigint;
  senders text[] := '{}';
BEGIN
  IF p_upto > (SELECT last_value FROM papo_seq) THEN
    RAISE EXCEPTION 'cursor % was never handed out', p_upto USING ERRCODE = 'PA410';
  END IF;
  SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_user;
  -- Most polls acknowledge nothing new: answer those without the lock.
  IF NOT EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_user AND m.seq > done AND m.seq <= p_upto) THEN
    RETURN;
  END IF;
  PERFORM papo_lock_seq();
  SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_user;
  FOR r IN
    SELECT m.seq, m.sender, m.sent_at, COALESCE(rm.upto, 0) AS read_upto
    FROM messages m LEFT JOIN read_marks rm ON rm.username = p_user AND rm.peer = m.sender
    WHERE m.recipient = p_user AND m.seq > done AND m.seq <= p_upto
    ORDER BY m.seq
  LOOP
    last := r.seq;
    IF NOT r.sender = ANY (senders) THEN senders := senders || r.sender; END IF;
    -- Already read (the reader saw it in the history first): a later "delivered" would go backwards.
    IF r.seq > r.read_upto THEN
      INSERT INTO events (username, seq, kind, peer, message_seq, status, at)
        VALUES (r.sender, nextval('papo_seq'), 'st', p_user, r.seq, 'delivered', p_at);
    END IF;
    o_seq := r.seq; o_sender := r.sender; o_sent_at := r.sent_at;
    RETURN NEXT;
  END LOOP;
  IF last IS NULL THEN RETURN; END IF;
  INSERT INTO deliveries (username, upto) VALUES (p_user, last)
    ON CONFLICT (username) DO UPDATE SET upto = GREATEST(deliveries.upto, excluded.upto);
  PERFORM papo_notify(senders, (SELECT last_value FROM papo_seq));
END
$$;

-- `p_user` read the conversation with `p_peer` up to the message p_upto (either direction). Returns
-- 'not_found' (no such message in that conversation), 'unchanged', or 'read'.
CREATE FUNCTION papo_mark_read(p_user text, p_peer text, p_upto bigint, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  prev bigint;
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = p_upto
                 AND ((m.sender = p_user AND m.recipient = p_peer) OR (m.sender = p_peer AND m.recipient = p_user))) THEN
    RETURN 'not_found';
  END IF;
  FOR attempt IN 1..2 LOOP
    SELECT COALESCE(max(upto), 0) INTO prev FROM read_marks WHERE username = p_user AND peer = p_peer;
    IF NOT EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_user AND m.sender = p_peer AND m.seq > prev AND m.seq <= p_upto) THEN
      RETURN 'unchanged';
    END IF;
    IF attempt = 1 THEN PERFORM papo_lock_seq(); END IF;
  END LOOP;
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, nextval('papo_seq'), 'rd', p_peer, p_upto, p_at);
  FOR r IN
    SELECT m.seq FROM messages m WHERE m.recipient = p_user AND m.sender = p_peer AND m.seq > prev AND m.seq <= p_upto ORDER BY m.seq
  LOOP
    INSERT INTO events (username, seq, kind, peer, message_seq, status, at) VALUES (p_peer, nextval('papo_seq'), 'st', p_user, r.seq, 'read', p_at);
  END LOOP;
  INSERT INTO read_marks (username, peer, upto) VALUES (p_user, p_peer, p_upto)
    ON CONFLICT (username, peer) DO UPDATE SET upto = GREATEST(read_marks.upto, excluded.upto);
  PERFORM papo_notify(ARRAY[p_peer, p_user], (SELECT last_value FROM papo_seq));
  RETURN 'read';
END
$$;
