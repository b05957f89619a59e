import type { Seq } from './sequence-number.js';
import type { StoredEvent, StoredMessage } from './stored-message.js';

export interface StreamPage {
  events: StoredEvent[];
  /** Sequence number of the last event returned, or the `after` given when there was none. */
  last: Seq;
}

export interface HistoryQuery {
  with?: string;
  /** Only messages below this sequence number (the oldest of the previous page); absent for the newest page. */
  before?: Seq;
  limit: number;
}

export interface HistoryPage {
  messages: StoredMessage[];
  /** The oldest message's sequence number when there are older ones, else null. */
  before: Seq | null;
}

/** A message of a history export (issue #17): messages the user hid (delete for me) are in it too, flagged. */
export interface ExportedStoredMessage extends StoredMessage {
  hidden?: true;
}

export interface ExportPage {
  /** Oldest first. */
  messages: ExportedStoredMessage[];
  /** The last message's sequence number, where the next page starts; null when there was none above `after`. */
  last: Seq | null;
}

export interface SearchQuery {
  /**
   * The words to find, already folded (NFD, marks removed, lower case: api/messaging/search-words.ts), each
   * at least 2 characters: a message matches when each is the start of one of its words.
   */
  words: string[];
  with?: string;
  /** Only messages below this sequence number (the oldest of the previous page). */
  before?: Seq;
  limit: number;
}

export interface SearchPage {
  /** Newest first. */
  messages: StoredMessage[];
  /** The oldest message's sequence number when there may be older matches, else null. */
  before: Seq | null;
}
