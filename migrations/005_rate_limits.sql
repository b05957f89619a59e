-- Login and sign-up limits (issue #6) kept in the database, so a restart, or a guess sent to another
-- process, does not hand out a fresh allowance. Fixed windows: a key counts hits until reset_at (ms since
-- the epoch, as the application's clock says), then starts again.
CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  count integer NOT NULL,
  reset_at bigint NOT NULL
);
CREATE INDEX rate_limits_reset_at ON rate_limits (reset_at);
