import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { FinishedFile, StagedFile } from '../store/store.js';

/**
 * Writes an upload's body into a staged file as it arrives, hashing it on the way: never whole in memory.
 * Over `maxBytes` it stops at the first byte too many and throws 413; an empty body is a 400. Either way, and
 * on any failure, the staged file is removed: nothing of a refused upload is left behind.
 */
export async function receiveUpload(body: AsyncIterable<Buffer>, staged: StagedFile, maxBytes: number): Promise<FinishedFile> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hash.update(chunk);
      await staged.write(chunk);
    }
    await staged.close();
    if (size === 0) throw new AppError('invalid_request', 'the file is empty (0 bytes)');
    return { staged, sha256: hash.digest('hex'), size };
  } catch (err) {
    await staged.discard();
    throw err;
  }
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `a file may be at most ${maxBytes / (1024 * 1024)} MB (MAX_ATTACHMENT_MB)`);
}

/** The digest and length of a file written by someone else (sharp), read back in pieces. */
export async function digestOf(staged: StagedFile): Promise<FinishedFile> {
  const hash = createHash('sha256');
  let size = 0;
  const stream: Readable = createReadStream(staged.path);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { staged, sha256: hash.digest('hex'), size };
}
