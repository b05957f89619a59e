import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanRecords, visitRecordFile, type LoadedRecord } from '../../api/store/text/line-file.js';
import { decodeUser, encodeUser, type UserRecord } from '../../api/store/text/records.js';
import { tempDir } from '../support/server.js';

async function visitAll(file: string) {
  const records: LoadedRecord<UserRecord>[] = [];
  const report = await visitRecordFile(file, decodeUser, (value, offset, length) => records.push({ value, offset, length }));
  return { records, ...report };
}

describe('visitRecordFile', () => {
  it('when a file is read in several pieces, with lines longer than a piece, then it finds what one scan of the whole file finds', async () => {
    const file = path.join(await tempDir(), 'usuarios.txt');
    const lines = [];
    for (let i = 0; i < 3000; i++) {
      // Mostly short lines, some over a megabyte (longer than one read), multi-byte characters across the pieces.
      const hash = i % 1000 === 7 ? 'é'.repeat(700_000) : `hash-${'ã'.repeat(i % 50)}-${i}`;
      lines.push(encodeUser({ username: `user${i}`, passwordHash: hash }));
    }
    await writeFile(file, lines.join(''));
    const whole = scanRecords(file, await readFile(file), decodeUser);
    expect(whole.records).toHaveLength(3000);
    expect(await visitAll(file)).toEqual(whole);
  });

  it('when a big file has damage in the middle and a torn tail, then both are reported as by one scan, and the tail is cut', async () => {
    const file = path.join(await tempDir(), 'usuarios.txt');
    const good = Array.from({ length: 40_000 }, (_, i) => encodeUser({ username: `user${i}`, passwordHash: `hash${i}` }));
    const text = `${good.slice(0, 20_000).join('')}not a record\n${good.slice(20_000).join('')}garbage\n${'x'.repeat(3_000_000)}`;
    await writeFile(file, text);
    const whole = scanRecords(file, Buffer.from(text), decodeUser);
    const at = Buffer.byteLength(good.slice(0, 20_000).join(''));
    expect(whole.damage).toEqual([{ file, line: 20_001, reason: expect.any(String), offset: at, length: 'not a record\n'.length }]);
    expect(await visitAll(file)).toEqual(whole);
    expect(await readFile(file, 'utf8')).toBe(`${good.slice(0, 20_000).join('')}not a record\n${good.slice(20_000).join('')}`);
  });

  it('when the file does not exist, then it has no records and nothing is created', async () => {
    const file = path.join(await tempDir(), 'missing.txt');
    expect(await visitAll(file)).toEqual({ records: [], tornBytes: 0, damage: [], validEnd: 0 });
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});
