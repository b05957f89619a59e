-- Web Push (issue #17). Each device's subscription, under the key of the session that registered it (the
-- SHA-256 of its id, as `session` keeps it): a logout removes it. An endpoint belongs to one browser, so it
-- is unique: the same browser logging in again replaces its old row.
CREATE TABLE push_subscriptions (
  session_key text PRIMARY KEY,
  username text NOT NULL REFERENCES users (username),
  endpoint text NOT NULL UNIQUE,
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_username ON push_subscriptions (username);

-- Keeps a subscription unless its user would hold more than `max_per_user`; true when kept. The per-user
-- advisory lock makes the count and the insert one step for concurrent registrations on any process.
CREATE FUNCTION papo_save_push_subscription(
  p_session_key text, p_username text, p_endpoint text, p_p256dh text, p_auth text, p_created_at timestamptz,
  max_per_user int
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  others int;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('papo.push.' || p_username, 0));
  SELECT count(*) INTO others FROM push_subscriptions
    WHERE username = p_username AND session_key <> p_session_key AND endpoint <> p_endpoint;
  IF others >= max_per_user THEN
    RETURN false;
  END IF;
  DELETE FROM push_subscriptions WHERE endpoint = p_endpoint AND session_key <> p_session_key;
  INSERT INTO push_subscriptions (session_key, username, endpoint, p256dh, auth, created_at)
    VALUES (p_session_key, p_username, p_endpoint, p_p256dh, p_auth, p_created_at)
    ON CONFLICT (session_key) DO UPDATE SET
      username = EXCLUDED.username, endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh,
      auth = EXCLUDED.auth, created_at = EXCLUDED.created_at;
  RETURN true;
END
$$;

-- The server's VAPID key pair lives in papo_meta as `vapid_keys` ('<public>.<private>', base64url), written by
-- the first process that starts (INSERT ... ON CONFLICT DO NOTHING: processes starting at once all read the
-- pair stored first). PostgreSQL makes no P-256 keys itself, so the application makes the candidate.
