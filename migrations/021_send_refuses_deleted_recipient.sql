-- A send to an account its owner deleted (issue #17) is refused in the send itself (issue #20): the item's
-- outcome is 'recipient_deleted' and nothing is inserted. The domain asked `users` in a round trip of its
-- own before each send, and an account deleted on another process between that question and the send got
-- the message anyway. Here the question is asked after papo_lock_seq, which papo_delete_account
-- (020_delete_account_keeps_received.sql) takes too: each send is before the deletion or sees its tombstone.
-- The function is that of 013_blocks.sql (its latest statement) with that check, and only that, added.
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
    -- After the retry's lookup: a retry of a message stored before the deletion is answered with it, as a
    -- retry always is; only a new message is refused.
    IF EXISTS (SELECT 1 FROM users u WHERE u.username = p_to[i] AND u.deleted_at IS NOT NULL) THEN
      o_index := i; o_outcome := 'recipient_deleted';
      o_seq := NULL; o_to := NULL; o_content := NULL; o_sent_at := NULL; o_client_id := NULL; o_attachments := NULL;
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
