-- The domain wakes the polls this process holds once a write is durable (issue #16): api/messaging/ says
-- whom, after the store's promise resolves. NOTIFY stays the path to the other processes. Two changes:
--
-- 1. An acknowledgement says whose streams it grew (o_senders, one row per acknowledgement that marked
--    something delivered), so the domain can wake the senders' polls here.
-- 2. A stream NOTIFY names the process that wrote (its connections' application_name, `papo-<origin>`,
--    postgres-store.ts): "<seq>@<origin> <user>...". The writing process has woken its own polls already and
--    skips its own; the others wake theirs. A payload from a connection without one keeps the old form.
CREATE OR REPLACE FUNCTION papo_notify(users text[], last_seq bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  origin text := coalesce(current_setting('application_name', true), '');
  head text := last_seq::text || CASE WHEN origin LIKE 'papo-%' AND position(' ' IN origin) = 0 THEN '@' || origin ELSE '' END;
  payload text := head || ' ' || array_to_string(users, ' ');
BEGIN
  IF octet_length(payload) > 7000 THEN
    payload := head || ' *';
  END IF;
  PERFORM pg_notify('papo:' || current_schema(), payload);
END
$$;

DROP FUNCTION papo_acknowledge_batch(text[], bigint[], timestamptz);

-- That of 013 with o_senders added: the senders whose streams got a status event, per acknowledgement.
CREATE FUNCTION papo_acknowledge_batch(p_users text[], p_uptos bigint[], p_at timestamptz)
RETURNS TABLE (o_index int, o_expired boolean, o_senders text[])
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
  mine text[];
  senders text[] := '{}';
BEGIN
  FOR i IN 1 .. n LOOP
    IF p_uptos[i] > highest THEN
      o_index := i; o_expired := true; o_senders := '{}';
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
      o_index := i; o_expired := false; o_senders := mine;
      RETURN NEXT;
    END IF;
  END LOOP;
  IF cardinality(senders) > 0 THEN PERFORM papo_notify(senders, (SELECT last_value FROM papo_seq)); END IF;
END
$$;
