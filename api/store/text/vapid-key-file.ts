import { promises as fsp } from 'node:fs';
import { looksLikeVapidKeys, makeVapidKeys, type VapidKeys } from '../vapid-keys.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { writeDurably, type Disk } from './disk.js';

const MAGIC = 'papo-vapid-keys';
const VERSION = '1';

/** The key file is damaged or foreign: the server refuses to start rather than make new keys (docs/storage.md). */
export class VapidKeyFileError extends Error {
  constructor(file: string, reason: string) {
    super(
      `${file} cannot be read (${reason}). It holds the key pair every device's push subscription is bound to: restore it ` +
        'from a backup, or delete it to make new keys (devices then turn notifications on again; no message is lost)',
    );
    this.name = 'VapidKeyFileError';
  }
}

/**
 * `vapid-keys.txt`: the server's VAPID key pair (issue #17), one checksummed record,
 * `papo-vapid-keys;1;<public key>;<private key>;<crc>`, mode 0600, made on the first start that finds none.
 * A damaged or foreign file stops the start rather than be replaced: new keys would silently end every
 * subscription (browsers bind a subscription to the public key).
 */
export async function readOrCreateVapidKeys(disk: Disk, file: string): Promise<VapidKeys & { created: boolean }> {
  const text = await fsp.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) return { ...decodeVapidKeys(file, text), created: false };
  const made = makeVapidKeys();
  await writeDurably(disk, file, encodeVapidKeys(made));
  return { ...made, created: true };
}

/** The file's one line (the export of a PostgreSQL data set writes it with the keys it had there). */
export function encodeVapidKeys(keys: VapidKeys): string {
  return encodeRecord([MAGIC, VERSION, keys.publicKey, keys.privateKey]);
}

function decodeVapidKeys(file: string, text: string): VapidKeys {
  if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) throw new VapidKeyFileError(file, 'expected one line');
  const r = decodeRecord(text.slice(0, -1));
  if (!r.ok) throw new VapidKeyFileError(file, r.reason);
  const [magic, version, publicKey = '', privateKey = ''] = r.fields;
  const keys = { publicKey, privateKey };
  if (r.fields.length !== 4 || magic !== MAGIC || version !== VERSION || !looksLikeVapidKeys(keys)) {
    throw new VapidKeyFileError(file, `not a ${MAGIC} version ${VERSION} record`);
  }
  return keys;
}
