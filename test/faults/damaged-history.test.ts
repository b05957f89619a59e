import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../../api/contract.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { type TestServer, testServers } from '../support/server.js';
import { PASSWORD, send, signUp } from '../support/users.js';

/**
 * A damaged line in the middle of a history file (issue #15, item 13) used to drop its message from the
 * history without a trace. It now stands in its place as a placeholder (`unreadable: true`, empty content)
 * with a stable id, and the start log still names the file and the line.
 */

const servers = testServers();
interface Folder {
  dataDir: string;
  sent: Message[];
}

/** ana and bia exchange three messages, then the server stops (the histories are written). */
async function conversation(contents = ['primeira', 'segunda', 'terceira']): Promise<Folder> {
  const s = await servers.start();
  const ana = await signUp(s.url, 'ana');
  const bia = await signUp(s.url, 'bia');
  const sent: Message[] = [];
  for (const [i, content] of contents.entries()) sent.push(await send(i % 2 ? bia : ana, i % 2 ? 'ana' : 'bia', content));
  await s.stop();
  return { dataDir: s.dataDir, sent };
}

/** Replaces `from` by `to` on the line of ana's history that holds `marker`; returns that line's number. */
async function damageAnasLine(dataDir: string, marker: string, from: string, to: string): Promise<number> {
  const file = path.join(dataDir, 'historico', 'history_ana.txt');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  lines[i] = (lines[i] ?? '').replace(from, to);
  await writeFile(file, lines.join('\n'));
  return i + 1;
}

async function restartAs(dataDir: string, username: string): Promise<{ s: TestServer; device: SpecAgent }> {
  const s = await servers.start({ dataDir });
  const device = specAgent(s.url);
  await device.post('/api/session').send({ username, password: PASSWORD }).expect(200);
  return { s, device };
}

const history = async (device: SpecAgent, query: string) =>
  (await device.get(`/api/history?${query}`).expect(200)).body as { messages: Message[]; before: string | null };
const rows = (messages: Message[]) => messages.map((m) => [m.id, m.from, m.to, m.content, m.unreadable ?? false]);

describe('a damaged line in the middle of a history', { timeout: 60_000 }, () => {
  it('when a message line is damaged, then the history shows a placeholder in its place, with a stable id, and the log names file and line', async () => {
    const { dataDir, sent } = await conversation();
    const [m1, m2, m3] = sent as [Message, Message, Message];
    const line = await damageAnasLine(dataDir, 'segunda', 'segunda', 'segundo');

    const { s, device: ana } = await restartAs(dataDir, 'ana');

    const page = await history(ana, 'with=bia');
    expect(rows(page.messages)).toEqual([
      [m1.id, 'ana', 'bia', 'primeira', false],
      [m2.id, 'bia', 'ana', '', true],
      [m3.id, 'ana', 'bia', 'terceira', false],
    ]);
    expect(page.messages[1]?.sentAt).toBe(m2.sentAt);
    expect(rows((await history(ana, '')).messages)).toEqual(rows(page.messages));
    expect(s.log.entries).toContainEqual(
      expect.objectContaining({ msg: 'damaged record skipped', file: path.join(dataDir, 'historico', 'history_ana.txt'), line }),
    );
    // bia's copy of the message is intact: she still reads it.
    const bia = specAgent(s.url);
    await bia.post('/api/session').send({ username: 'bia', password: PASSWORD }).expect(200);
    expect((await history(bia, 'with=ana')).messages.map((m) => m.content)).toEqual(['primeira', 'segunda', 'terceira']);
    // A placeholder names no message: it cannot be marked read.
    const read = await ana.post('/api/messages/read').send({ with: 'bia', upTo: m2.id }).expect(404);
    expect(read.body.error.code).toBe('message_not_found');

    // Paging one message at a time meets it exactly once, in order; the same id after another restart.
    await s.stop();
    const { device: again } = await restartAs(dataDir, 'ana');
    const seen: string[] = [];
    let before: string | null = '';
    while (before !== null) {
      const p = await history(again, `with=bia&limit=1${before ? `&before=${before}` : ''}`);
      seen.unshift(...p.messages.map((m) => m.id));
      before = p.before;
    }
    expect(seen).toEqual([m1.id, m2.id, m3.id]);
  });

  it('when the last message of a conversation is damaged, then the conversation list shows the placeholder as its last', async () => {
    const { dataDir, sent } = await conversation(['primeira', 'segunda', 'terceira', 'quarta']);
    // A later read mark keeps the damaged message line in the middle of the file.
    const s = await servers.start({ dataDir });
    const ana = specAgent(s.url);
    await ana.post('/api/session').send({ username: 'ana', password: PASSWORD }).expect(200);
    await ana.post('/api/messages/read').send({ with: 'bia', upTo: sent[3]?.id }).expect(204);
    await s.stop();
    await damageAnasLine(dataDir, 'quarta', 'quarta', 'quartx');

    const { device } = await restartAs(dataDir, 'ana');

    const { conversations } = (await device.get('/api/conversations').expect(200)).body as { conversations: Conversation[] };
    expect(conversations.map((c) => [c.with, c.last.id, c.last.content, c.last.unreadable])).toEqual([['bia', sent[3]?.id, '', true]]);
  });

  it('when even the names of the damaged line are unreadable, then the placeholder shows only in the history of all conversations', async () => {
    const { dataDir, sent } = await conversation();
    await damageAnasLine(dataDir, 'segunda', ';bia;ana;', ';B\\0a;ana;');

    const { device: ana } = await restartAs(dataDir, 'ana');

    expect((await history(ana, 'with=bia')).messages.map((m) => m.content)).toEqual(['primeira', 'terceira']);
    expect(rows((await history(ana, '')).messages)).toEqual([
      [sent[0]?.id, 'ana', 'bia', 'primeira', false],
      [sent[1]?.id, 'ana', 'ana', '', true],
      [sent[2]?.id, 'ana', 'bia', 'terceira', false],
    ]);
  });
});
