/**
 * kill -9 during uploads (issue #18): the real server as a child process, uploaders sending files (plain ones
 * and photos that sharp re-encodes) and messages that carry them, and SIGKILL at random moments, restarting
 * each time. Then: every upload that got its 201 is served with the same bytes (plain files) and every message
 * that got its 201 still carries its files for its recipient; no unfinished upload is left in anexos/, every
 * file there is one a record names, and anexos.txt loads without a bad line. A torn last line of anexos.txt
 * (a write cut by the crash) is dropped at the next start, nothing acknowledged with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../../api/contract.js';
import { decodeAttachmentRecord } from '../../api/store/text/attachment-records.js';
import { scanRecords } from '../../api/store/text/line-file.js';
import { serverProcessesPerTest, sleep, type ServerProcess } from '../support/server-process.js';

const KILLS = process.env.PAPO_LONG ? 30 : 5;
const PASSWORD = 'a password for the kill test';
const processes = serverProcessesPerTest();

async function logIn(server: ServerProcess, username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect([200, 201]).toContain(res.status);
  return (res.headers.getSetCookie().find((c) => c.startsWith('papo.sid=')) ?? '').split(';')[0] ?? '';
}

/** One request; undefined when the server was not there to answer it (killed, restarting). */
async function request(
  server: ServerProcess,
  init: RequestInit & { path: string },
): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(`${server.url}${init.path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  } catch {
    return undefined;
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('kill -9 during uploads', () => {
  it(`when the server is killed ${KILLS} times while files upload, then every acknowledged upload and message is whole after restart`, async () => {
    const server = await processes.start();
    const cookies = { ana: await logIn(server, 'ana'), beto: await logIn(server, 'beto') };
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'KillPhone' } })
      .toBuffer();
    const uploads: { attachment: Attachment; sha256: string | undefined }[] = [];
    const messages: Message[] = [];
    let stop = false;

    const uploader = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const plain = i % 3 !== 0;
        const bytes = plain ? randomBytes(200_000 + n * 1000) : photo;
        const res = await request(server, {
          path: `/api/attachments?name=f${n}-${i}`,
          method: 'POST',
          headers: { cookie: cookies.ana, 'content-type': 'application/octet-stream' },
          body: bytes,
        });
        if (!res) {
          await sleep(100);
          continue;
        }
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const { attachment } = res.body as { attachment: Attachment };
        uploads.push({ attachment, sha256: plain ? sha256(bytes) : undefined });
        // The message that carries it, retried with its clientId until it gets an answer.
        for (const clientId = `m${n}-${i}`; !stop;) {
          const sent = await request(server, {
            path: '/api/messages',
            method: 'POST',
            headers: { cookie: cookies.ana, 'content-type': 'application/json' },
            body: JSON.stringify({ to: 'beto', content: '', clientId, attachments: [attachment.id] }),
          });
          if (!sent) {
            await sleep(100);
            continue;
          }
          expect([200, 201], JSON.stringify(sent.body)).toContain(sent.status);
          messages.push((sent.body as { message: Message }).message);
          break;
        }
      }
    };

    const running = [0, 1, 2].map(uploader);
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(300 + Math.random() * 700);
      await server.kill();
      await server.start();
    }
    stop = true;
    await Promise.all(running);
    await server.kill();

    // A write cut in the middle of its line, as a crash leaves one.
    await fsp.appendFile(path.join(server.dataDir, 'anexos.txt'), 'up;half-a-line-with-no-end');
    await server.start();
    cookies.ana = await logIn(server, 'ana');
    cookies.beto = await logIn(server, 'beto');

    expect(uploads.length).toBeGreaterThan(KILLS);
    for (const { attachment, sha256: expected } of uploads) {
      const res = await fetch(`${server.url}/api/attachments/${attachment.id}`, { headers: { cookie: cookies.ana } });
      expect(res.status, attachment.id).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(attachment.size);
      if (expected) expect(sha256(bytes)).toBe(expected);
      else expect(bytes.includes(Buffer.from('KillPhone'))).toBe(false);
    }
    for (const message of messages) {
      const [carried] = message.attachments ?? [];
      expect(carried).toBeDefined();
      const res = await fetch(`${server.url}/api/attachments/${carried?.id ?? ''}`, { headers: { cookie: cookies.beto } });
      expect(res.status).toBe(200);
    }

    const folder = path.join(server.dataDir, 'anexos');
    const records = scanRecords('anexos.txt', await fsp.readFile(path.join(server.dataDir, 'anexos.txt')), decodeAttachmentRecord);
    expect(records.damage).toEqual([]);
    expect(records.tornBytes).toBe(0);
    const named = new Set(
      records.records.flatMap(({ value }) =>
        value.kind === 'up'
          ? [value.attachment.sha256, ...(value.attachment.thumbnailSha256 ? [value.attachment.thumbnailSha256] : [])]
          : [],
      ),
    );
    const files = await fsp.readdir(folder);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((f) => !named.has(f))).toEqual([]);
    console.log(
      `kill -9 uploads: ${JSON.stringify({ kills: KILLS, uploads: uploads.length, messages: messages.length, files: files.length })}`,
    );
  }, 240_000);
});
