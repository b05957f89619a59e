-- PostgreSQL text cannot hold U+0000, and message content may contain it (issue #2: "any Unicode, comes back
-- exactly as sent"). From now on messages.content is stored with `\` written as `\\` and U+0000 as `\0`
-- (api/store/postgres/content.ts); most messages have neither and read the same. Existing rows get their
-- backslashes doubled here (none can hold U+0000).
UPDATE messages SET content = replace(content, '\', '\\') WHERE strpos(content, '\') > 0;
