import { isCanonicalUsername } from '../../names/username.js';
import { splitFields } from './codec.js';
import { parseSeq, type HistoryRecord } from './records.js';

/**
 * A damaged line in the middle of a history (issue #15, item 13): the message it held used to vanish from
 * the history without a trace. It now stands there as a placeholder ("this message could not be read"), in
 * its place among its neighbours. Nothing of a line that failed its checksum is trusted as data; its fields
 * are only hints where they agree with what surrounds it:
 *  - position: the sequence number it shows when that lies strictly between its neighbours' (a history is in
 *    sequence order), else the first number after the previous record; when no whole number is free between
 *    them the line cannot have been a record of its own, and it is only logged;
 *  - conversation: sender and recipient when they are valid names and one of them is the history's owner,
 *    else none (both set to the owner: it then shows only in the history of all conversations);
 *  - time: the one it shows when it lies between its neighbours' times, else the previous record's.
 * A line that still reads as a status or read record (`st;`, `rd;`) held no message: it is only logged.
 */
export interface UnreadableMessage {
  seq: number;
  from: string;
  to: string;
  sentAt: string;
  /** The other person of the conversation, when the line shows one. */
  peer: string | undefined;
}

type Neighbour = Pick<HistoryRecord, 'seq'> & { at: string };

export function neighbour(r: HistoryRecord): Neighbour {
  return { seq: r.seq, at: r.kind === 'msg' ? r.sentAt : r.at };
}

export function unreadableMessage(
  owner: string,
  line: string,
  previous: Neighbour | undefined,
  next: Neighbour,
): UnreadableMessage | undefined {
  const split = splitFields(line.slice(0, Math.max(0, line.lastIndexOf(';'))));
  const fields = split.ok ? split.fields : [];
  if (fields[0] === 'st' || fields[0] === 'rd') return undefined;
  const after = previous?.seq ?? 0;
  const shown = parseSeq(fields[1] ?? '');
  const seq = shown !== undefined && shown > after && shown < next.seq ? shown : after + 1;
  if (seq >= next.seq) return undefined;
  const [from, to] = [fields[3] ?? '', fields[4] ?? ''];
  const names = isCanonicalUsername(from) && isCanonicalUsername(to) && from !== to && (from === owner || to === owner);
  const earliest = previous?.at ?? '';
  const at = fields[2] ?? '';
  const timely = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) && at >= earliest && at <= next.at;
  return {
    seq,
    from: names ? from : owner,
    to: names ? to : owner,
    sentAt: timely ? at : (previous?.at ?? next.at),
    peer: names ? (from === owner ? to : from) : undefined,
  };
}
