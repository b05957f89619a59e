-- Opaque ids and cursors (issue #15, item 7). Clients no longer see sequence numbers: the application turns
-- them into tokens with a key that every process shares, kept here as `token_key` (16 bytes, hex). Beside it,
-- `legacy_ids_up_to`: the highest sequence number when the key was made. Ids handed out before were plain
-- numbers (old clients, old files); those up to it are still accepted as ids, none above it.
--
-- papo_token_key() makes whichever of the two is missing (a new database, the first start after this
-- upgrade, or a row removed by hand, after which the tokens made with the old key fail cleanly) and returns
-- both. Concurrent callers, several processes starting at once, all get the one that was stored first.
CREATE FUNCTION papo_token_key(OUT o_key text, OUT o_legacy_ids_up_to bigint, OUT o_created boolean)
LANGUAGE plpgsql AS $$
DECLARE
  made int;
BEGIN
  -- gen_random_uuid() draws from the server's strong random source; two of them (244 random bits) hashed.
  INSERT INTO papo_meta (key, value)
    VALUES ('token_key', encode(substr(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 1, 16), 'hex'))
    ON CONFLICT (key) DO NOTHING;
  GET DIAGNOSTICS made = ROW_COUNT;
  o_created := made > 0;
  INSERT INTO papo_meta (key, value)
    SELECT 'legacy_ids_up_to', (CASE WHEN is_called THEN last_value ELSE 0 END)::text FROM papo_seq
    ON CONFLICT (key) DO NOTHING;
  SELECT value INTO o_key FROM papo_meta WHERE key = 'token_key';
  SELECT value::bigint INTO o_legacy_ids_up_to FROM papo_meta WHERE key = 'legacy_ids_up_to';
END
$$;
