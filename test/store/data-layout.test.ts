import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_FILES, dataLayout, formatLine, historyOwner, newEpoch, parseFormatLine } from '../../api/store/text/data-layout.js';
import { REPO_ROOT } from '../../api/repo-root.js';

// The names are the on-disk format: folders written by earlier versions hold them. They are spelled out here
// once, on purpose, so that a rename in data-layout.ts fails a test instead of orphaning every existing folder.
describe('data-layout', () => {
  it('when the layout is read, then it names the files docs/storage.md documents', async () => {
    expect(DATA_FILES).toEqual({
      format: 'papo-format.txt',
      users: 'usuarios.txt',
      queue: 'mensagens.txt',
      journals: ['journal.txt', 'journal-2.txt'],
      sessions: 'sessions.txt',
      sessionSecret: 'session-secret.txt',
      rateLimits: 'limites.txt',
      profiles: 'perfis.txt',
      blocks: 'bloqueios.txt',
      tokenKey: 'token-key.txt',
      vapidKeys: 'vapid-keys.txt',
      pushSubscriptions: 'push-subscriptions.txt',
      histories: 'historico',
      attachments: 'anexos.txt',
      attachmentBytes: 'anexos',
      lock: 'papo.pid',
      legacyBackup: 'backup-legacy',
      legacyBackedUp: 'COMPLETE',
      legacyImported: 'IMPORTED',
    });
    const storageDoc = await readFile(path.join(REPO_ROOT, 'docs/storage.md'), 'utf8');
    for (const name of Object.values(DATA_FILES).flat()) expect(storageDoc).toContain(name);
  });

  it('when a folder path is given, then every file is inside it and a history is historico/history_<user>.txt', () => {
    const files = dataLayout('/data/papo');
    expect(files.users).toBe('/data/papo/usuarios.txt');
    expect(files.history('maria')).toBe('/data/papo/historico/history_maria.txt');
  });

  it('when a format line is written, then it reads back as its epoch, and a foreign one does not', () => {
    const epoch = newEpoch();
    expect(epoch).toMatch(/^[0-9a-f]{12}$/);
    expect(formatLine(epoch)).toBe(`papo-data;1;${epoch}\n`);
    expect(parseFormatLine(formatLine(epoch))).toBe(epoch);
    expect(parseFormatLine('papo-data;2;abc')).toBeUndefined();
    expect(parseFormatLine('other;1;abc')).toBeUndefined();
    expect(parseFormatLine('papo-data;1;')).toBeUndefined();
  });

  it('when a historico/ entry is named, then only a history of a canonical name has an owner', () => {
    expect(historyOwner('history_maria.txt')).toBe('maria');
    expect(historyOwner('history_Maria.txt')).toBeUndefined();
    expect(historyOwner('notes.txt')).toBeUndefined();
  });
});
