-- Group commit for acknowledgements, as 002 did for sends: every poll answer that carried messages is
-- followed by an acknowledgement that takes papo_lock_seq, so one process's concurrent ones go in one
-- transaction. Item by item the rules of papo_acknowledge; a cursor that was never handed out fails only its
-- own item (o_expired), not the batch.
CREATE FUNCTION papo_acknowledge_batch(p_users text[], p_uptos bigint[], p_at timestamptz)
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
    pending[i] := EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i]);
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
      WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i]
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
