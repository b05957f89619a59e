import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Seq, TokenKey } from '../store.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { DATA_FILES } from './data-layout.js';
import { writeDurably, type Disk } from './disk.js';

export const TOKEN_KEY_FILE = DATA_FILES.tokenKey;
const MAGIC = 'papo-token-key';
const VERSION = '1';
const KEY_HEX = /^[0-9a-f]{32}$/;
const SEQ = /^(0|[1-9][0-9]{0,15})$/;

/** The key file is damaged or foreign: the server refuses to start rather than guess (docs/storage.md). */
export class TokenKeyFileError extends Error {
  constructor(file: string, reason: string) {
    super(
      `${file} cannot be read (${reason}). It holds the key of every message id and cursor handed out: restore it ` +
        'from a backup, or delete it to make a new key (clients then reload their chats; no message is lost)',
    );
    this.name = 'TokenKeyFileError';
  }
}

/**
 * `token-key.txt`: the key of the opaque ids and cursors (issue #15, item 7), one checksummed record,
 * `papo-token-key;1;<key, 32 hex digits>;<legacyIdsUpTo>;<crc>`, mode 0600. `readTokenKey` gives the key
 * kept, or undefined when there is none; a damaged or foreign file stops the start rather than be replaced,
 * which would silently end every id and cursor handed out.
 */
export async function readTokenKey(file: string): Promise<TokenKey | undefined> {
  const text = await fsp.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : decodeTokenKey(file, text);
}

/**
 * Makes and keeps (durably) a new key, on the first start that finds none: a new data folder, one from before
 * ids were tokens, or one whose key file was removed (the ids and cursors made with the old key then fail
 * cleanly: cursors 410, ids 404). `highestSeq`, the highest sequence number now, bounds the numbers still
 * accepted as ids.
 */
export async function createTokenKey(disk: Disk, file: string, highestSeq: Seq): Promise<TokenKey> {
  const made: TokenKey = { key: randomBytes(16), legacyIdsUpTo: highestSeq };
  await writeDurably(disk, file, encodeTokenKey(made));
  return made;
}

export function encodeTokenKey(k: TokenKey): string {
  return encodeRecord([MAGIC, VERSION, k.key.toString('hex'), String(k.legacyIdsUpTo)]);
}

function decodeTokenKey(file: string, text: string): TokenKey {
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) throw new TokenKeyFileError(file, 'expected one line');
  const r = decodeRecord(text.slice(0, -1));
  if (!r.ok) throw new TokenKeyFileError(file, r.reason);
  const [magic, version, hex, upTo] = r.fields;
  if (r.fields.length !== 4 || magic !== MAGIC || version !== VERSION || !KEY_HEX.test(hex ?? '') || !SEQ.test(upTo ?? '')) {
    throw new TokenKeyFileError(file, `not a ${MAGIC} version ${VERSION} record`);
  }
  return { key: Buffer.from(hex ?? '', 'hex'), legacyIdsUpTo: Number(upTo) };
}
