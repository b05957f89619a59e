/** What the operator lets a notification show (PUSH_PREVIEW). */
export type PushPreview = 'full' | 'sender' | 'none';

/**
 * The JSON a device's service worker receives (pwa/public/sw-notifications.js reads it), encrypted to that
 * device (RFC 8291). `tag` is one per conversation, so a burst of messages from one person replaces one
 * notification whose `count` grows; `badge` is the unread count for the app icon. `peer` opens the
 * conversation on a tap; `from` and `text` are there only as far as PUSH_PREVIEW allows.
 */
export interface PushPayload {
  v: 1;
  tag: string;
  peer: string;
  /** Unread messages from `peer`. */
  count: number;
  /** Unread messages in all conversations. */
  badge: number;
  from?: string;
  text?: string;
}

/** Push services take at most 4 KiB encrypted (RFC 8291: 4096 bytes of record); this leaves room for the rest. */
const MAX_TEXT_CHARS = 300;

export function pushPayload(
  preview: PushPreview,
  message: { from: string; content: string },
  unread: { count: number; badge: number },
): PushPayload {
  const payload: PushPayload = { v: 1, tag: `papo:${message.from}`, peer: message.from, count: unread.count, badge: unread.badge };
  if (preview !== 'none') payload.from = message.from;
  if (preview === 'full') payload.text = shorten(message.content);
  return payload;
}

/** At most MAX_TEXT_CHARS code points, never splitting a surrogate pair. */
function shorten(text: string): string {
  const points = [...text];
  return points.length <= MAX_TEXT_CHARS ? text : `${points.slice(0, MAX_TEXT_CHARS - 1).join('')}…`;
}
