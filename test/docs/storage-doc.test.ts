import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testServers } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

const STORAGE_MD = path.join(import.meta.dirname, '..', '..', 'docs', 'storage.md');
const servers = testServers();

/** The names in the data folder's layout block at the top of docs/storage.md. */
async function documentedNames(): Promise<string> {
  const doc = await readFile(STORAGE_MD, 'utf8');
  const layout = /^```\ndata\/\n([\s\S]*?)^```$/m.exec(doc);
  if (!layout) throw new Error('docs/storage.md has no data/ layout block');
  return layout[1] ?? '';
}

/** docs/storage.md against a real data folder (issue #19, item 17): every file Papo writes is in its map. */
describe('docs/storage.md', () => {
  it('when a server has had a sign-up, a failed login and a message, then every file in its folder is in the layout', async () => {
    const s = await servers.start();
    const maria = await signUp(s.url, 'maria');
    await signUp(s.url, 'joao');
    await maria.post('/api/session').send({ username: 'joao', password: 'not the password at all' }).expect(401);
    const m = await send(maria, 'joao', 'ola');
    expect(m.id).toBeTruthy();

    const names = await readdir(s.dataDir);
    const layout = await documentedNames();
    for (const name of names) expect(layout, `${name} is in the layout block`).toContain(name === 'historico' ? 'historico/' : name);
    expect(names).toContain('limites.txt');
  });

  it('when a message is delivered, then its line stays in mensagens.txt with the flag 1, as the doc says', async () => {
    const s = await servers.start();
    const maria = await signUp(s.url, 'maria');
    const joao = await signUp(s.url, 'joao');
    await send(maria, 'joao', 'ola');
    const first = await poll(joao);
    await poll(joao, first.cursor);

    const queue = await readFile(path.join(s.dataDir, 'mensagens.txt'), 'utf8');
    expect(queue).toMatch(/^maria;joao;ola;[^;]+;1;/m);
    const doc = await readFile(STORAGE_MD, 'utf8');
    expect(doc).not.toMatch(/mensagens\.txt\s+the queue of messages not yet delivered/);
    expect(doc).toMatch(/delivered one keeps its line, with `delivered` = `1`,\s+until the next compaction/);
  });
});
