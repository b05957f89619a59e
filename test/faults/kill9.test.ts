/**
 * kill -9 under load (issue #6): the real server as a child process, senders retrying each message with its
 * clientId until they get an answer, receivers long-polling with cursors, and SIGKILL at random moments,
 * restarting each time. Then: every message that got a 201 (or the 200 of its retry) is in both histories
 * exactly once and was received exactly once; no id comes back after its recipient acknowledged it; every
 * receipt is there once; every file loads without a bad line.
 *
 * Bounded by default (10 kills); PAPO_LONG=1 (npm run test:long) makes it 100 kills.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/contract.js';
import { TokenCipher } from '../../api/messaging/token-cipher.js';
import { decodeJournalFile } from '../../api/store/text/journal.js';
import { decodeHistory, decodeQueue, decodeUser, type HistoryRecord } from '../../api/store/text/records.js';
import { decodeSession } from '../../api/store/text/session-records.js';
import { readTokenKey } from '../../api/store/text/token-key-file.js';
import { serverProcessesPerTest, sleep } from '../support/server-process.js';
import { killRepeatedly, pollOnce, recordLoader, requestUnlessDown } from './support/kill-load.js';

const LONG = Boolean(process.env.PAPO_LONG);
const KILLS = LONG ? 100 : 10;
const SENDERS = ['snd0', 'snd1', 'snd2', 'snd3'];
const RECEIVERS = ['rcv0', 'rcv1', 'rcv2', 'rcv3'];
const PASSWORD = 'a password for the kill test';

const processes = serverProcessesPerTest();

interface Client {
  user: string;
  cookie: string;
}

describe('kill -9 under load', () => {
  it(
    `when the server is killed ${KILLS} times under load, then no acknowledged message is lost, duplicated or delivered twice`,
    { timeout: LONG ? 1_800_000 : 180_000 },
    async () => {
      const server = await processes.start();
      const dir = server.dataDir;
      const problems: string[] = [];

      const clients = new Map<string, Client>();
      for (const user of [...SENDERS, ...RECEIVERS]) {
        const res = await requestUnlessDown(server, '', 'POST', '/api/session', { username: user, password: PASSWORD });
        expect(res?.status).toBe(201);
        clients.set(user, { user, cookie: res?.cookie ?? '' });
      }
      const client = (user: string): Client => clients.get(user) ?? { user, cookie: '' };

      let stopSending = false;
      let attempts = 0;
      let sent = 0;
      const acknowledged = new Map<string, Message>(); // id -> message as answered
      const ackedClientIds = new Set<string>();

      async function sender(user: string): Promise<void> {
        for (let n = 0; !stopSending; n++) {
          const clientId = randomUUID();
          const to = RECEIVERS[(n + SENDERS.indexOf(user)) % RECEIVERS.length] ?? 'rcv0';
          const content = `${user} #${n}; linha\ncom \\ barra, 😀, שלום ${clientId}`;
          sent++;
          for (;;) {
            attempts++;
            const res = await requestUnlessDown(server, client(user).cookie, 'POST', '/api/messages', { to, content, clientId });
            if (res?.status === 201 || res?.status === 200) {
              const message = (res.json as { message: Message }).message;
              if (message.clientId !== clientId || message.content !== content)
                problems.push(`send answered with another message: ${JSON.stringify(message)}`);
              if (acknowledged.has(message.id) && acknowledged.get(message.id)?.clientId !== clientId)
                problems.push(`id ${message.id} given to two messages`);
              acknowledged.set(message.id, message);
              ackedClientIds.add(clientId);
              break;
            }
            if (res && res.status !== 503) {
              problems.push(`send got ${res.status} ${JSON.stringify(res.json)}`);
              break;
            }
            await sleep(res ? 20 : 100); // the server is down: do not take the CPU its restart needs
          }
        }
      }

      const received = new Map<string, Map<string, Message>>(RECEIVERS.map((r) => [r, new Map()]));
      const confirmedAcked = new Set<string>();
      const cursors = new Map<string, string | undefined>();
      let stopReceiving = false;

      async function receiver(user: string): Promise<void> {
        let cursor: string | undefined;
        let pending: string[] = []; // ids of the answer whose cursor the next poll carries
        const mine = received.get(user) ?? new Map<string, Message>();
        while (!stopReceiving) {
          const body = await pollOnce(server, client(user).cookie, cursor, problems);
          if (!body) continue;
          // This poll carried the cursor: everything in the answer that gave it is acknowledged now.
          for (const id of pending) confirmedAcked.add(id);
          pending = [];
          for (const event of body.events) {
            if (event.type !== 'message') continue;
            const m = event.message;
            if (m.to !== user) problems.push(`${user} got a message to ${m.to}`);
            if (confirmedAcked.has(m.id)) problems.push(`id ${m.id} came back after ${user} acknowledged it`);
            mine.set(m.id, m);
            pending.push(m.id);
          }
          cursor = body.cursor;
          cursors.set(user, cursor);
        }
      }

      const senders = SENDERS.map(sender);
      const receivers = RECEIVERS.map(receiver);
      const kills = await killRepeatedly(server, KILLS, [150, 750]);
      stopSending = true;
      await Promise.all(senders);

      // Let the receivers catch up with everything acknowledged to a sender, then acknowledge it all.
      const expectedFor = (r: string) => [...acknowledged.values()].filter((m) => m.to === r).map((m) => m.id);
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !RECEIVERS.every((r) => expectedFor(r).every((id) => received.get(r)?.has(id)))) await sleep(100);
      await sleep(2500); // one more poll each, carrying the final cursor
      stopReceiving = true;
      await Promise.all(receivers);
      expect(await server.stop()).toBe(0);

      // --- the files -------------------------------------------------------------------------------------
      const load = recordLoader(dir, problems);
      expect(await load('usuarios.txt', decodeUser)).toHaveLength(SENDERS.length + RECEIVERS.length);
      await load('sessions.txt', decodeSession);
      const queue = await load('mensagens.txt', decodeQueue);
      for (const rel of ['journal.txt', 'journal-2.txt']) {
        const journal = await fsp.readFile(path.join(dir, rel), 'utf8');
        if (journal !== '' && decodeJournalFile(journal).ops === undefined) problems.push(`${rel} does not decode`);
      }
      const histories = new Map<string, HistoryRecord[]>();
      for (const user of [...SENDERS, ...RECEIVERS]) histories.set(user, await load(`historico/history_${user}.txt`, decodeHistory));

      // The files hold sequence numbers, the answers tokens of them: the folder's key turns one into the other.
      const key = await readTokenKey(path.join(dir, 'token-key.txt'));
      if (!key) throw new Error('the data folder has no token-key.txt');
      const cipher = new TokenCipher(key.key);
      const seqOf = (id: string) => cipher.decode('message', id);
      const idOf = (seq: number) => cipher.encode('message', seq);

      let lost = 0;
      for (const m of acknowledged.values()) {
        const seq = seqOf(m.id);
        if (seq === undefined) problems.push(`id ${m.id} is not a message id of this folder's key`);
        for (const owner of [m.from, m.to]) {
          const copies = (histories.get(owner) ?? []).filter((r) => r.kind === 'msg' && r.seq === seq);
          const same = copies.filter(
            (r) => r.kind === 'msg' && r.content === m.content && r.clientId === m.clientId && r.from === m.from && r.to === m.to,
          );
          if (same.length !== 1 || copies.length !== 1) {
            lost++;
            problems.push(`message ${m.id} is ${copies.length} times in ${owner}'s history`);
          }
        }
        if (!received.get(m.to)?.has(m.id)) problems.push(`message ${m.id} never reached ${m.to}`);
        const receipts = (histories.get(m.from) ?? []).filter((r) => r.kind === 'st' && r.status === 'delivered' && r.messageSeq === seq);
        if (receipts.length !== 1) problems.push(`message ${m.id} has ${receipts.length} delivered receipts`);
      }
      // Nothing in the histories that no sender was told about: every send was retried until it was answered.
      const written = new Set(
        [...histories.values()].flatMap((records) => records.flatMap((r) => (r.kind === 'msg' ? [idOf(r.seq)] : []))),
      );
      for (const id of written) if (!acknowledged.has(id)) problems.push(`message ${id} is in a history but no sender got it acknowledged`);
      for (const [r, mine] of received)
        for (const id of mine.keys()) if (!acknowledged.has(id)) problems.push(`${r} received ${id}, which no sender got acknowledged`);
      for (const q of queue) if (!q.delivered) problems.push(`queue entry ${q.seq} still undelivered after every receiver acknowledged`);

      const counts = {
        sent,
        attempts,
        acknowledged: acknowledged.size,
        received: [...received.values()].reduce((n, m) => n + m.size, 0),
        kills,
        lost,
      };
      console.log(`kill -9 run: ${JSON.stringify(counts)}`);
      expect(problems.slice(0, 20)).toEqual([]);
      expect(acknowledged.size).toBe(sent);
      expect(ackedClientIds.size).toBe(sent);
      expect(lost).toBe(0);
      expect(kills).toBe(KILLS);
    },
  );
});
