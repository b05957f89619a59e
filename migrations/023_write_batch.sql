-- Issue #20: a process's sends and acknowledgements go to PostgreSQL together, one transaction a batch.
-- Both take papo_lock_seq and hold it through their commit's WAL flush, so on a busy pair of processes four
-- batches (sends and acknowledgements of each process) queued for the lock one flush after another. Together,
-- two do: each flush carries what two did, and a poll's acknowledgement no longer waits for a send batch's
-- flush and then for one of its own.
--
-- The sends first, then the acknowledgements, each by its own function (021 and 022, unchanged): what an
-- item sees and returns is what it saw and returned alone, and its sequence numbers still come in commit
-- order. An empty half is not called, so a batch of acknowledgements that acknowledge nothing new still takes
-- no lock. If any item fails, the whole batch does, as a batch of one kind did.
CREATE FUNCTION papo_write_batch(
  p_from text[], p_to text[], p_content text[], p_client_id text[], p_attachments jsonb[], p_at timestamptz,
  p_reply_to bigint[], p_search text[],
  p_ack_users text[], p_ack_uptos bigint[])
RETURNS TABLE (o_kind text, o_index int, o_outcome text, o_seq bigint, o_to text, o_content text, o_sent_at timestamptz,
  o_client_id text, o_attachments jsonb, o_expired boolean, o_senders text[], o_newer boolean)
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(array_length(p_from, 1), 0) > 0 THEN
    RETURN QUERY
      SELECT 'send'::text, s.o_index, s.o_outcome, s.o_seq, s.o_to, s.o_content, s.o_sent_at, s.o_client_id, s.o_attachments,
        NULL::boolean, NULL::text[], NULL::boolean
      FROM papo_send_batch(p_from, p_to, p_content, p_client_id, p_attachments, p_at, p_reply_to, p_search) s;
  END IF;
  IF coalesce(array_length(p_ack_users, 1), 0) > 0 THEN
    RETURN QUERY
      SELECT 'ack'::text, a.o_index, NULL::text, NULL::bigint, NULL::text, NULL::text, NULL::timestamptz, NULL::text, NULL::jsonb,
        a.o_expired, a.o_senders, a.o_newer
      FROM papo_acknowledge_batch(p_ack_users, p_ack_uptos, p_at) a;
  END IF;
END
$$;
