import { createCipheriv, createDecipheriv, createHash, type Cipher, type Decipher } from 'node:crypto';
import type { Seq } from '../store/store.js';

/** What a token stands for: one kind is never accepted as another. */
export type TokenKind = 'message' | 'stream' | 'page';

const TAG: Readonly<Record<TokenKind, number>> = { message: 1, stream: 2, page: 3 };
const BLOCK = 16;
/** The high half of a sequence number: at most 2^53 - 1 in all (Number.MAX_SAFE_INTEGER). */
const MAX_HIGH = 0x1fffff;
const TWO_32 = 0x1_0000_0000;
/** 16 bytes in base64url: 21 characters and one that carries 2 bits (its 4 unused bits must be zero). */
const TOKEN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * Opaque ids and cursors (issue #15, item 7): a sequence number becomes one AES-128 block, base64url. The
 * plaintext is `[kind tag][7 zero bytes][seq as 64 bits]`; the tag and the zeros are checked on decode, so a
 * forged or mangled token is refused (a 2^-56 chance of passing) rather than read as some other number, and
 * a token of one kind is never taken for another.
 *
 * One block under a fixed key is a keyed permutation (AES in ECB mode encrypts each block alone), so the same
 * number always gives the same token, which is what an id must do, and tokens say nothing about order or
 * distance. One cipher object per direction, kept, and only `update()` on whole blocks (never `final()`):
 * creating a cipher per token cost several times the encryption itself, and `encodeAll` encrypts a whole
 * poll answer's ids in one call (bench/token-cost.ts).
 */
export class TokenCipher {
  /** A short name of the key, safe to show (a hash, not the key): cursors carry it (cursor.ts). */
  readonly keyId: string;
  private readonly encryptor: Cipher;
  private readonly decryptor: Decipher;
  private readonly block = Buffer.alloc(BLOCK);

  constructor(key: Buffer) {
    if (key.length !== BLOCK) throw new Error('a token key is 16 bytes');
    this.encryptor = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    this.decryptor = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    this.keyId = createHash('sha256').update('papo token key id\0').update(key).digest('hex').slice(0, 8);
  }

  encode(kind: TokenKind, seq: Seq): string {
    writePlain(this.block, 0, TAG[kind], seq);
    return this.encryptor.update(this.block).toString('base64url');
  }

  /** The tokens of many numbers of one kind, in one call to the cipher. */
  encodeAll(kind: TokenKind, seqs: readonly Seq[]): string[] {
    if (seqs.length < 2) return seqs.map((seq) => this.encode(kind, seq));
    // Unsafe is fine: writePlain sets all 16 bytes of each block.
    const plain = Buffer.allocUnsafe(BLOCK * seqs.length);
    seqs.forEach((seq, i) => writePlain(plain, i * BLOCK, TAG[kind], seq));
    const sealed = this.encryptor.update(plain);
    return seqs.map((_, i) => sealed.toString('base64url', i * BLOCK, (i + 1) * BLOCK));
  }

  /** The number in a token of this kind; undefined for anything else (another kind, another key, garbage). */
  decode(kind: TokenKind, token: string): Seq | undefined {
    if (!TOKEN.test(token)) return undefined;
    const plain = this.decryptor.update(Buffer.from(token, 'base64url'));
    if (plain.length !== BLOCK || plain[0] !== TAG[kind]) return undefined;
    for (let i = 1; i < 8; i++) if (plain[i] !== 0) return undefined;
    const high = plain.readUInt32BE(8);
    if (high > MAX_HIGH) return undefined;
    return high * TWO_32 + plain.readUInt32BE(12);
  }
}

function writePlain(buf: Buffer, at: number, tag: number, seq: Seq): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`not a sequence number: ${seq}`);
  buf[at] = tag;
  buf.fill(0, at + 1, at + 8);
  buf.writeUInt32BE(Math.floor(seq / TWO_32), at + 8);
  buf.writeUInt32BE(seq % TWO_32, at + 12);
}
