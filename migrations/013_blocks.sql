-- Who may write to me (issue #17). `blocker` blocked `blocked`: from then on a message from `blocked` to
-- `blocker` is withheld: it stays in the sender's history and stream as "sent" forever, and never reaches the
-- blocker's stream, history, conversations or unread counts. Unblocking does not release what was withheld.
-- The functions below are those of 001, 004 and 010 with that rule, and only that, added.
CREATE TABLE blocks (
  blocker text NOT NULL REFERENCES users (username),
  blocked text NOT NULL REFERENCES users (username),
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker, blocked)
);

ALTER TABLE messages ADD COLUMN withheld boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION papo_send_batch(p_from text[], p_to text[], p_content text[], p_client_id text[], p_attachments jsonb[], p_at timestamptz,
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
  w boolean;
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
    -- The recipient blocked the sender: withheld. A send that races a block may go either way, as one sent a
    -- moment before the block would.
    w := EXISTS (SELECT 1 FROM blocks b WHERE b.blocker = p_to[i] AND b.blocked = p_from[i]);
    INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id, attachments, reply_to, search_text, withheld)
      VALUES (s, p_from[i], p_to[i], p_content[i], p_at, p_client_id[i], p_attachments[i], p_reply_to[i], p_search[i], w);
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_from[i], s, 'msg', p_to[i], s, p_at);
    INSERT INTO conversations (username, peer, last_seq) VALUES (p_from[i], p_to[i], s)
      ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq);
    IF NOT w THEN
      INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_to[i], s, 'msg', p_from[i], s, p_at);
      INSERT INTO conversations (username, peer, last_seq) VALUES (p_to[i], p_from[i], s)
        ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq);
    END IF;
    IF NOT p_from[i] = ANY (woke) THEN woke := woke || p_from[i]; END IF;
    IF NOT w AND NOT p_to[i] = ANY (woke) THEN woke := woke || p_to[i]; END IF;
    o_index := i; o_outcome := 'created'; o_seq := s; o_to := p_to[i]; o_content := p_content[i]; o_sent_at := p_at; o_client_id := p_client_id[i];
    o_attachments := p_attachments[i];
    RETURN NEXT;
  END LOOP;
  IF s IS NOT NULL THEN PERFORM papo_notify(woke, s); END IF;
END
$$;

CREATE OR REPLACE FUNCTION papo_change_refusal(p_user text, p_seq bigint, p_not_before timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m messages%ROWTYPE;
BEGIN
  SELECT * INTO m FROM messages WHERE seq = p_seq AND (sender = p_user OR (recipient = p_user AND NOT withheld));
  IF NOT FOUND OR EXISTS (SELECT 1 FROM events WHERE username = p_user AND kind = 'hd' AND message_seq = p_seq) THEN
    RETURN 'not_found';
  END IF;
  IF m.sender <> p_user THEN RETURN 'not_sender'; END IF;
  IF m.deleted_at IS NOT NULL THEN RETURN 'deleted'; END IF;
  IF m.sent_at < p_not_before THEN RETURN 'too_late'; END IF;
  RETURN NULL;
END
$$;

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
  INSERT INTO events (username, seq, kind, peer, message_seq, at, content) VALUES (p_user, s, 'ed', peer, p_seq, p_at, p_content);
  -- A withheld message is only the sender's: so are its edits.
  IF NOT w THEN
    INSERT INTO events (username, seq, kind, peer, message_seq, at, content) VALUES (peer, s, 'ed', p_user, p_seq, p_at, p_content);
  END IF;
  PERFORM papo_notify(CASE WHEN w THEN ARRAY[p_user] ELSE ARRAY[p_user, peer] END, s);
  RETURN 'done';
END
$$;

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
  UPDATE messages SET content = '', search_text = NULL, edited_at = NULL, deleted_at = p_at WHERE seq = p_seq RETURNING recipient, withheld INTO peer, w;
  UPDATE events SET content = NULL WHERE kind = 'ed' AND message_seq = p_seq;
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, s, 'del', peer, p_seq, p_at);
  IF NOT w THEN
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (peer, s, 'del', p_user, p_seq, p_at);
  END IF;
  PERFORM papo_notify(CASE WHEN w THEN ARRAY[p_user] ELSE ARRAY[p_user, peer] END, s);
  RETURN 'done';
END
$$;

CREATE OR REPLACE FUNCTION papo_hide(p_user text, p_seq bigint, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  s bigint;
  peer text;
BEGIN
  PERFORM papo_lock_seq();
  SELECT CASE WHEN sender = p_user THEN recipient ELSE sender END INTO peer
    FROM messages WHERE seq = p_seq AND (sender = p_user OR (recipient = p_user AND NOT withheld));
  IF NOT FOUND THEN RETURN 'not_found'; END IF;
  IF EXISTS (SELECT 1 FROM events WHERE username = p_user AND kind = 'hd' AND message_seq = p_seq) THEN RETURN 'deleted'; END IF;
  s := nextval('papo_seq');
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, s, 'hd', peer, p_seq, p_at);
  PERFORM papo_notify(ARRAY[p_user], s);
  RETURN 'done';
END
$$;

CREATE OR REPLACE FUNCTION papo_acknowledge_batch(p_users text[], p_uptos bigint[], p_at timestamptz)
RETURNS TABLE (o_index int, o_expired boolean)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  n int := coalesce(array_length(p_users, 1), 0);
  highest bigint := (SELECT last_value FROM papo_seq);
  pending boolean[] := array_fill(false, ARRAY[n]);
  any_pending boolean := false;
  done bigint;
  r record;
  last bigint;
  senders text[] := '{}';
BEGIN
  FOR i IN 1 .. n LOOP
    IF p_uptos[i] > highest THEN
      o_index := i; o_expired := true;
      RETURN NEXT;
      CONTINUE;
    END IF;
    SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_users[i];
    -- Most polls acknowledge nothing new: a batch of only those takes no lock.
    pending[i] := EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i] AND NOT m.withheld);
    any_pending := any_pending OR pending[i];
  END LOOP;
  IF NOT any_pending THEN RETURN; END IF;
  PERFORM papo_lock_seq();
  FOR i IN 1 .. n LOOP
    CONTINUE WHEN NOT pending[i];
    SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_users[i];
    last := NULL;
    FOR r IN
      SELECT m.seq, m.sender, COALESCE(rm.upto, 0) AS read_upto
      FROM messages m LEFT JOIN read_marks rm ON rm.username = p_users[i] AND rm.peer = m.sender
      WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i] AND NOT m.withheld
      ORDER BY m.seq
    LOOP
      last := r.seq;
      IF NOT r.sender = ANY (senders) THEN senders := senders || r.sender; END IF;
      -- Already read (the reader saw it in the history first): a later "delivered" would go backwards.
      IF r.seq > r.read_upto THEN
        INSERT INTO events (username, seq, kind, peer, message_seq, status, at)
          VALUES (r.sender, nextval('papo_seq'), 'st', p_users[i], r.seq, 'delivered', p_at);
      END IF;
    END LOOP;
    IF last IS NOT NULL THEN
      INSERT INTO deliveries (username, upto) VALUES (p_users[i], last)
        ON CONFLICT (username) DO UPDATE SET upto = GREATEST(deliveries.upto, excluded.upto);
    END IF;
  END LOOP;
  IF cardinality(senders) > 0 THEN PERFORM papo_notify(senders, (SELECT last_value FROM papo_seq)); END IF;
END
$$;

CREATE OR REPLACE FUNCTION papo_mark_read(p_user text, p_peer text, p_upto bigint, p_at timestamptz)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  prev bigint;
  r record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = p_upto
                 AND ((m.sender = p_user AND m.recipient = p_peer) OR (m.sender = p_peer AND m.recipient = p_user AND NOT m.withheld))) THEN
    RETURN 'not_found';
  END IF;
  FOR attempt IN 1..2 LOOP
    SELECT COALESCE(max(upto), 0) INTO prev FROM read_marks WHERE username = p_user AND peer = p_peer;
    IF NOT EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_user AND m.sender = p_peer AND m.seq > prev AND m.seq <= p_upto AND NOT m.withheld) THEN
      RETURN 'unchanged';
    END IF;
    IF attempt = 1 THEN PERFORM papo_lock_seq(); END IF;
  END LOOP;
  INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_user, nextval('papo_seq'), 'rd', p_peer, p_upto, p_at);
  FOR r IN
    SELECT m.seq FROM messages m WHERE m.recipient = p_user AND m.sender = p_peer AND m.seq > prev AND m.seq <= p_upto AND NOT m.withheld ORDER BY m.seq
  LOOP
    INSERT INTO events (username, seq, kind, peer, message_seq, status, at) VALUES (p_peer, nextval('papo_seq'), 'st', p_user, r.seq, 'read', p_at);
  END LOOP;
  INSERT INTO read_marks (username, peer, upto) VALUES (p_user, p_peer, p_upto)
    ON CONFLICT (username, peer) DO UPDATE SET upto = GREATEST(read_marks.upto, excluded.upto);
  PERFORM papo_notify(ARRAY[p_peer, p_user], (SELECT last_value FROM papo_seq));
  RETURN 'read';
END
$$;
