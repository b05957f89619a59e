-- Issue #20: a poll that passes a cursor is held before its acknowledgement is written, and reads its stream
-- only when the acknowledgement says there is something above the cursor; whatever commits later wakes it.
-- Most polls of a busy conversation find nothing new, and that read was one of a message's round trips.
-- That of 016 with o_newer added, and a row for every acknowledgement: o_newer is whether the user's stream
-- holds events above the acknowledged position once the batch is written (kind 'rd' is not in the stream).
DROP FUNCTION papo_acknowledge_batch(text[], bigint[], timestamptz);

CREATE FUNCTION papo_acknowledge_batch(p_users text[], p_uptos bigint[], p_at timestamptz)
RETURNS TABLE (o_index int, o_expired boolean, o_senders text[], o_newer boolean)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  n int := coalesce(array_length(p_users, 1), 0);
  highest bigint := (SELECT last_value FROM papo_seq);
  expired boolean[] := array_fill(false, ARRAY[n]);
  pending boolean[] := array_fill(false, ARRAY[n]);
  -- Per acknowledgement, the senders whose streams got a status event (a jsonb array each).
  item_senders jsonb[] := array_fill('[]'::jsonb, ARRAY[n]);
  any_pending boolean := false;
  done bigint;
  r record;
  last bigint;
  mine text[];
  senders text[] := '{}';
BEGIN
  FOR i IN 1 .. n LOOP
    IF p_uptos[i] > highest THEN
      expired[i] := true;
      CONTINUE;
    END IF;
    SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_users[i];
    -- Most polls acknowledge nothing new: a batch of only those takes no lock.
    pending[i] := EXISTS (SELECT 1 FROM messages m WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i] AND NOT m.withheld);
    any_pending := any_pending OR pending[i];
  END LOOP;
  IF any_pending THEN
    PERFORM papo_lock_seq();
    FOR i IN 1 .. n LOOP
      CONTINUE WHEN NOT pending[i];
      SELECT COALESCE(max(upto), 0) INTO done FROM deliveries WHERE username = p_users[i];
      last := NULL;
      mine := '{}';
      FOR r IN
        SELECT m.seq, m.sender, COALESCE(rm.upto, 0) AS read_upto
        FROM messages m LEFT JOIN read_marks rm ON rm.username = p_users[i] AND rm.peer = m.sender
        WHERE m.recipient = p_users[i] AND m.seq > done AND m.seq <= p_uptos[i] AND NOT m.withheld
        ORDER BY m.seq
      LOOP
        last := r.seq;
        IF NOT r.sender = ANY (senders) THEN senders := senders || r.sender; END IF;
        IF NOT r.sender = ANY (mine) THEN mine := mine || r.sender; END IF;
        -- Already read (the reader saw it in the history first): a later "delivered" would go backwards.
        IF r.seq > r.read_upto THEN
          INSERT INTO events (username, seq, kind, peer, message_seq, status, at)
            VALUES (r.sender, nextval('papo_seq'), 'st', p_users[i], r.seq, 'delivered', p_at);
        END IF;
      END LOOP;
      IF last IS NOT NULL THEN
        INSERT INTO deliveries (username, upto) VALUES (p_users[i], last)
          ON CONFLICT (username) DO UPDATE SET upto = GREATEST(deliveries.upto, excluded.upto);
        item_senders[i] := to_jsonb(mine);
      END IF;
    END LOOP;
    IF cardinality(senders) > 0 THEN PERFORM papo_notify(senders, (SELECT last_value FROM papo_seq)); END IF;
  END IF;
  FOR i IN 1 .. n LOOP
    o_index := i;
    o_expired := expired[i];
    o_senders := ARRAY(SELECT jsonb_array_elements_text(item_senders[i]));
    -- Read after this batch's own status events: a sender acknowledging in the same batch sees them.
    o_newer := NOT expired[i] AND EXISTS (SELECT 1 FROM events e WHERE e.username = p_users[i] AND e.seq > p_uptos[i] AND e.kind <> 'rd');
    RETURN NEXT;
  END LOOP;
END
$$;
