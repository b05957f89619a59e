-- Group commit for sends (issue #5). Sequence numbers are taken under papo_lock_seq, held through the
-- commit, so each commit (one WAL flush) serialises the cluster's writers; one process's concurrent sends
-- therefore go in one call, one transaction, one flush. Same rules as papo_send, item by item: an earlier
-- item of the batch is visible to a later one, so a clientId repeated within a batch is a duplicate.
CREATE FUNCTION papo_send_batch(p_from text[], p_to text[], p_content text[], p_client_id text[], p_at timestamptz)
RETURNS TABLE (o_index int, o_outcome text, o_seq bigint, o_to text, o_content text, o_sent_at timestamptz, o_client_id text)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  s bigint;
  d_seq bigint;
  d_to text;
  d_content text;
  d_sent_at timestamptz;
  woke text[] := '{}';
BEGIN
  PERFORM papo_lock_seq();
  FOR i IN 1 .. coalesce(array_length(p_from, 1), 0) LOOP
    d_seq := NULL;
    IF p_client_id[i] IS NOT NULL THEN
      SELECT x.seq, x.recipient, x.content, x.sent_at INTO d_seq, d_to, d_content, d_sent_at
        FROM messages x WHERE x.sender = p_from[i] AND x.client_id = p_client_id[i];
    END IF;
    IF d_seq IS NOT NULL THEN
      o_index := i; o_seq := d_seq; o_to := d_to; o_content := d_content; o_sent_at := d_sent_at; o_client_id := p_client_id[i];
      o_outcome := CASE WHEN d_to = p_to[i] AND d_content = p_content[i] THEN 'duplicate' ELSE 'conflict' END;
      RETURN NEXT;
      CONTINUE;
    END IF;
    s := nextval('papo_seq');
    INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id) VALUES (s, p_from[i], p_to[i], p_content[i], p_at, p_client_id[i]);
    INSERT INTO events (username, seq, kind, peer, message_seq, at) VALUES (p_from[i], s, 'msg', p_to[i], s, p_at), (p_to[i], s, 'msg', p_from[i], s, p_at);
    INSERT INTO conversations (username, peer, last_seq) VALUES (p_from[i], p_to[i], s), (p_to[i], p_from[i], s)
      ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq);
    IF NOT p_from[i] = ANY (woke) THEN woke := woke || p_from[i]; END IF;
    IF NOT p_to[i] = ANY (woke) THEN woke := woke || p_to[i]; END IF;
    o_index := i; o_outcome := 'created'; o_seq := s; o_to := p_to[i]; o_content := p_content[i]; o_sent_at := p_at; o_client_id := p_client_id[i];
    RETURN NEXT;
  END LOOP;
  IF s IS NOT NULL THEN PERFORM papo_notify(woke, s); END IF;
END
$$;
