-- A user's sessions are listed (their devices) and counted at each login (issue #17): by the username inside
-- connect-pg-simple's JSON, which has no column of its own.
CREATE INDEX session_username ON session ((sess ->> 'username'));
