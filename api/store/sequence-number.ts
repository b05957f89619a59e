/**
 * Positions: every event (a message, a status change) gets a sequence number from the store, increasing, so
 * a user's stream is ordered by it and a cursor is just "the last sequence number this device has seen".
 * Stores speak sequence numbers only, and keep them plain in their files and tables: the domain turns them
 * into the opaque ids and cursors clients see (api/messaging/token-cipher.ts), with the key a store keeps
 * (`MessageRepository.tokenKey`). One sequence for the whole server, shown as it is, would let any user
 * watch everyone's traffic (issue #15, item 7).
 */
export type Seq = number;

/** A sequence number written out (in the text files, in the ids handed out before ids were tokens): decimal, 1 to 16 digits. */
const SEQ_TEXT = /^[1-9][0-9]{0,15}$/;

/** The sequence number `text` writes out, or undefined when it is not one; the one rule for files and old ids. */
export function parseSeq(text: string): Seq | undefined {
  return SEQ_TEXT.test(text) ? Number(text) : undefined;
}
