/**
 * The keyed permutation behind opaque ids and cursors (issue #15, item 7): every number comes back, nothing
 * else is read as one, and a token of one kind or key is never taken for another.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenCipher, type TokenKind } from '../../api/messaging/token-cipher.js';

const KINDS: TokenKind[] = ['message', 'stream', 'page'];
const SEQS = [0, 1, 2, 255, 256, 65_535, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];

describe('TokenCipher', () => {
  it('when a number is encoded, then it decodes back, as the same 22 characters every time', () => {
    const cipher = new TokenCipher(randomBytes(16));
    for (const kind of KINDS) {
      for (const seq of SEQS) {
        const token = cipher.encode(kind, seq);
        expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(cipher.encode(kind, seq)).toBe(token);
        expect(cipher.decode(kind, token)).toBe(seq);
      }
      expect(cipher.encodeAll(kind, SEQS)).toEqual(SEQS.map((seq) => cipher.encode(kind, seq)));
    }
  });

  it('when a token is read as another kind or with another key, then it is refused', () => {
    const key = randomBytes(16);
    const cipher = new TokenCipher(key);
    const sameKey = new TokenCipher(Buffer.from(key));
    const otherKey = new TokenCipher(randomBytes(16));
    expect(sameKey.keyId).toBe(cipher.keyId);
    expect(otherKey.keyId).not.toBe(cipher.keyId);
    for (const kind of KINDS) {
      for (const seq of SEQS) {
        const token = cipher.encode(kind, seq);
        expect(sameKey.decode(kind, token)).toBe(seq);
        expect(otherKey.decode(kind, token)).toBeUndefined();
        for (const other of KINDS.filter((k) => k !== kind)) expect(cipher.decode(other, token)).toBeUndefined();
      }
    }
  });

  it('when tokens are forged or mangled, then none is read as a number', () => {
    const cipher = new TokenCipher(randomBytes(16));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 20_000; i++) {
      const forged = Array.from(randomBytes(21), (b) => alphabet[b % 64]).join('') + 'AQgw'[i % 4];
      for (const kind of KINDS) expect(cipher.decode(kind, forged)).toBeUndefined();
    }
    const token = cipher.encode('message', 42);
    // The last character's 4 unused bits: another spelling of the same bytes is not a token we made.
    expect(cipher.decode('message', token.slice(0, 21) + String.fromCharCode(token.charCodeAt(21) + 1))).toBeUndefined();
    for (const bad of ['', '42', token.slice(1), `${token}A`, `${token.slice(0, 21)}=`, token.replace(/./, '+')]) {
      expect(cipher.decode('message', bad)).toBeUndefined();
    }
  });

  it('when consecutive numbers are encoded, then the tokens share nothing that grows with them', () => {
    const cipher = new TokenCipher(randomBytes(16));
    const tokens = Array.from({ length: 1000 }, (_, i) => cipher.encode('message', i + 1));
    expect(new Set(tokens).size).toBe(1000);
    // A prefix common to many tokens would be an order leak; for random 22-character strings 2 characters
    // repeat only by chance (1000 tokens over 4096 prefixes).
    const prefixes = new Map<string, number>();
    for (const t of tokens) prefixes.set(t.slice(0, 2), (prefixes.get(t.slice(0, 2)) ?? 0) + 1);
    expect(Math.max(...prefixes.values())).toBeLessThan(10);
    expect([...tokens].sort()).not.toEqual(tokens);
  });
});
