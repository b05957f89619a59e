import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionContent } from '../../api/store/store.js';
import { FileSessionStore } from '../../api/store/text/session-file.js';
import { tempDir } from '../support/server.js';

const DAY = 86_400_000;
const data = (username: string): SessionContent => ({ cookie: { originalMaxAge: DAY, expires: new Date(Date.now() + DAY) }, username });

const set = (store: FileSessionStore, sid: string, username: string) => store.set(sid, data(username));
const get = (store: FileSessionStore, sid: string) => store.get(sid);
const destroy = (store: FileSessionStore, sid: string) => store.destroy(sid);

describe('FileSessionStore', () => {
  it('when more sessions are used than ids whose hash is remembered, then every one is still found, and the file holds hashes only', async () => {
    const file = path.join(await tempDir(), 'sessions.txt');
    const store = await FileSessionStore.open(file, DAY);
    try {
      const sids = Array.from({ length: 20_050 }, (_, i) => `sid-${i}-${'x'.repeat(20)}`);
      await Promise.all(sids.map((sid, i) => set(store, sid, `user${i}`)));
      for (const i of [0, 1, 20_049]) expect(await get(store, sids[i] ?? '')).toMatchObject({ username: `user${i}` });
      await destroy(store, sids[0] ?? '');
      expect(await get(store, sids[0] ?? '')).toBeUndefined();
      expect(await get(store, 'never-seen')).toBeUndefined();
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('sid-0-');
      expect(text).toContain(
        `d;${createHash('sha256')
          .update(sids[0] ?? '')
          .digest('hex')};`,
      );
    } finally {
      await store.close();
    }
  });

  it('when a session read is changed by its reader, then the next read and a set after it see the stored session', async () => {
    const store = await FileSessionStore.open(path.join(await tempDir(), 'sessions.txt'), DAY);
    try {
      await set(store, 'sid-a', 'ana');
      const first = (await get(store, 'sid-a')) as SessionContent;
      first.username = 'changed';
      first.cookie.expires = new Date(0);
      expect(await get(store, 'sid-a')).toMatchObject({ username: 'ana', cookie: { originalMaxAge: DAY } });
      expect(((await get(store, 'sid-a')) as SessionContent).cookie.expires).not.toEqual(new Date(0).toISOString());
      await set(store, 'sid-a', 'bia');
      expect(await get(store, 'sid-a')).toMatchObject({ username: 'bia' });
    } finally {
      await store.close();
    }
  });
});
