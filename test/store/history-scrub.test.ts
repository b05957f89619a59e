import { describe, expect, it } from 'vitest';
import { blankLines } from '../../api/store/text/history-scrub.js';
import { decodeHistory, encodeHistory, type HistoryRecord } from '../../api/store/text/records.js';

const withFiles = (replyTo?: number): HistoryRecord => ({
  kind: 'msg',
  seq: 7,
  sentAt: '2026-12-07T07:00:00.000Z',
  from: 'ana',
  to: 'beto',
  content: 'olha; isto',
  clientId: undefined,
  attachments: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'segredo;unico-123.txt', type: 'text/plain', size: 5, thumbnail: false }],
  ...(replyTo === undefined ? {} : { replyTo }),
});

describe('the history scrub (issue #18, "deleted means gone")', () => {
  it.each([undefined, 3])(
    'when a msg line with files (reply to %s) is blanked, then it keeps its length, decodes, and holds neither text nor file name',
    (replyTo) => {
      const line = encodeHistory(withFiles(replyTo));
      const buf = Buffer.from(line);
      expect(blankLines(buf, [{ offset: 0, length: buf.length }])).toBe(1);
      const after = buf.toString('utf8');
      expect(after.length).toBe(line.length);
      expect(after).not.toContain('segredo');
      expect(after).not.toContain('AAAAAAAAAAAAAAAAAAAAAA');
      const decoded = decodeHistory(after.slice(0, -1));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok || decoded.value.kind !== 'msg') throw new Error('not a msg');
      expect(decoded.value.attachments).toBeUndefined();
      expect(decoded.value.content.trim()).toBe('');
      expect(decoded.value.replyTo).toBe(replyTo);
      // A second pass finds nothing left to blank, and the line written back is the same.
      expect(blankLines(buf, [{ offset: 0, length: buf.length }])).toBe(0);
      expect(encodeHistory(decoded.value)).toBe(after);
    },
  );

  it('when an edited msg line with files is blanked keeping its attachments, then only its text goes', () => {
    const line = encodeHistory(withFiles(3));
    const buf = Buffer.from(line);
    expect(blankLines(buf, [{ offset: 0, length: buf.length, keepAttachments: true }])).toBe(1);
    const after = buf.toString('utf8');
    expect(after.length).toBe(line.length);
    expect(after).not.toContain('olha');
    const decoded = decodeHistory(after.slice(0, -1));
    if (!decoded.ok || decoded.value.kind !== 'msg') throw new Error('not a msg');
    expect(decoded.value).toEqual({ ...withFiles(3), content: ' '.repeat('olha\\; isto'.length) });
    expect(blankLines(buf, [{ offset: 0, length: buf.length, keepAttachments: true }])).toBe(0);
  });
});
