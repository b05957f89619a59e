import { z } from 'zod';
import type { MessageAttachment } from './attachment-repository.js';

/**
 * The attachments field of a history `msg` record (issue #18): a JSON array of what the reader needs to show
 * each file, as it was when the message was sent (docs/storage.md). The record's checksum covers it; this
 * checks its shape, so a field that decodes is one the API can serve.
 */
const attachment = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    name: z.string().min(1),
    type: z.string().min(1),
    size: z.number().int().nonnegative(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    thumbnail: z.boolean(),
  })
  .strict();
const field = z.array(attachment).min(1);

export function encodeAttachments(attachments: readonly MessageAttachment[]): string {
  return JSON.stringify(
    attachments.map((a) => ({
      id: a.id,
      name: a.name,
      type: a.type,
      size: a.size,
      ...(a.width === undefined ? {} : { width: a.width }),
      ...(a.height === undefined ? {} : { height: a.height }),
      thumbnail: a.thumbnail,
    })),
  );
}

/** The attachments, or undefined when the field is not such an array. */
export function decodeAttachments(text: string): MessageAttachment[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const checked = field.safeParse(parsed);
  if (!checked.success) return undefined;
  return checked.data.map((a) => {
    const out: MessageAttachment = { id: a.id, name: a.name, type: a.type, size: a.size, thumbnail: a.thumbnail };
    if (a.width !== undefined) out.width = a.width;
    if (a.height !== undefined) out.height = a.height;
    return out;
  });
}
