-- Search keeps each message's words as a tsvector (issue #18). The index was over an expression, so a search
-- that walks a user's messages newest first (a word common over all users) parsed every row's text again on
-- its way: 3 to 5 s at 1M rows (docs/performance.md, "Search"). A stored generated column is parsed once, when
-- the row's search_text is written (a send, an edit, a delete clearing it), and the index is over it.
ALTER TABLE messages ADD COLUMN search_words tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED;
DROP INDEX IF EXISTS messages_search;
CREATE INDEX messages_search ON messages USING gin (search_words) WHERE deleted_at IS NULL;
