import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../../api/contract.js';
import type { SpecAgent } from '../support/contract.js';
import { adminQuery, schemaOf } from '../support/postgres.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { messagesOf, poll, signUp } from '../support/users.js';

/** A JPEG that carries a GPS position and a camera, as a phone writes one (made here, so no fixture file). */
export async function jpegWithGps(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PapoPhone', Model: 'Camera 9000' },
      IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '23/1 33/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '46/1 38/1 0/1' },
    })
    .toBuffer();
}

export function upload(device: SpecAgent, bytes: Buffer, name?: string) {
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  return device.post(`/api/attachments${query}`).set('Content-Type', 'application/octet-stream').send(bytes);
}

describe.each(STORES)('attachments on the %s store', (store) => {
  let server: TestServer;
  let ana: SpecAgent;
  let beto: SpecAgent;
  let caio: SpecAgent;
  beforeAll(async () => {
    server = await startTestServer({ store, env: { MAX_ATTACHMENT_MB: '1' } });
    ana = await signUp(server.url, 'ana');
    beto = await signUp(server.url, 'beto');
    caio = await signUp(server.url, 'caio');
  });
  afterAll(async () => {
    await server.destroy();
  });

  function sendWith(from: SpecAgent, to: string, ids: string[], content = '', clientId?: string) {
    return from.post('/api/messages').send({ to, content, attachments: ids, ...(clientId ? { clientId } : {}) });
  }

  it('when a photo with GPS EXIF is uploaded, then what is kept and served has no EXIF, with its size, a preview and inline headers', async () => {
    const original = await jpegWithGps(64, 48);
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const res = await upload(ana, original, 'praia.jpg').expect(201);
    const a = res.body.attachment as Attachment;
    expect(a).toMatchObject({ name: 'praia.jpg', type: 'image/jpeg', width: 64, height: 48, thumbnail: true });

    const sent = await sendWith(ana, 'beto', [a.id], 'olha a praia').expect(201);
    expect((sent.body.message as Message).attachments).toEqual([a]);

    const got = await beto.get(`/api/attachments/${a.id}`).buffer(true).expect(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.headers['content-disposition']).toBe('inline; filename=praia.jpg');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    const served = got.body as Buffer;
    expect(served.length).toBe(a.size);
    const meta = await sharp(served).metadata();
    expect(meta.exif).toBeUndefined();
    expect(served.includes(Buffer.from('PapoPhone'))).toBe(false);
    expect(meta.width).toBe(64);

    const thumb = await beto.get(`/api/attachments/${a.id}/thumbnail`).buffer(true).expect(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.body as Buffer).metadata()).format).toBe('webp');

    // Nothing of the camera or the position is anywhere in the data folder either.
    if (store === 'text') {
      for (const name of await readdir(path.join(server.dataDir, 'anexos'))) {
        expect((await readFile(path.join(server.dataDir, 'anexos', name))).includes(Buffer.from('PapoPhone'))).toBe(false);
      }
    }
  });

  it('when the recipient revalidates with the ETag, then 304 with no body', async () => {
    const a = (await upload(ana, await jpegWithGps(10, 10), 'x.jpg').expect(201)).body.attachment as Attachment;
    await sendWith(ana, 'beto', [a.id]).expect(201);
    const first = await beto.get(`/api/attachments/${a.id}`).expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await beto.get(`/api/attachments/${a.id}`).set('If-None-Match', etag).expect(304);
    expect(again.text ?? '').toBe('');
  });

  it('when someone else asks for it, or nobody was sent it yet, then 404 as for an id that never existed', async () => {
    const a = (await upload(ana, Buffer.from('%PDF-1.4\n% just a test\n'), 'nota.pdf').expect(201)).body.attachment as Attachment;
    await beto.get(`/api/attachments/${a.id}`).expect(404);
    await ana.get(`/api/attachments/${a.id}`).expect(200);
    await sendWith(ana, 'beto', [a.id], 'a nota').expect(201);
    await beto.get(`/api/attachments/${a.id}`).expect(200);
    const other = await caio.get(`/api/attachments/${a.id}`).expect(404);
    const never = await caio.get('/api/attachments/AAAAAAAAAAAAAAAAAAAAAA').expect(404);
    expect(other.body).toEqual(never.body);
    expect(other.body.error.code).toBe('attachment_not_found');
  });

  it('when a file says it is a JPEG but is HTML, then it is served by its real type as a download, never inline', async () => {
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const a = (await upload(ana, html, 'foto.jpg').expect(201)).body.attachment as Attachment;
    expect(a.type).toBe('application/octet-stream');
    expect(a.thumbnail).toBe(false);
    await sendWith(ana, 'beto', [a.id]).expect(201);
    const got = await beto.get(`/api/attachments/${a.id}`).expect(200);
    expect(got.headers['content-type']).toBe('application/octet-stream');
    expect(got.headers['content-disposition']).toMatch(/^attachment;/);
    await beto.get(`/api/attachments/${a.id}/thumbnail`).expect(404);
  });

  it('when the bytes start like a JPEG but are not one, then 400 and nothing is kept', async () => {
    const res = await upload(ana, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]), 'broken.jpg').expect(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\ana\\segredo.txt', 'segredo.txt'],
    ['a\u0000b.txt', 'ab.txt'],
    ['..', 'file'],
    [`${'x'.repeat(1000)}.txt`, `${'x'.repeat(116)}.txt`],
  ])('when the name is %j, then it is cleaned to %j (never a path)', async (name, cleaned) => {
    const a = (await upload(ana, Buffer.from('hello'), name).expect(201)).body.attachment as Attachment;
    expect(a.name).toBe(cleaned);
  });

  it('when the upload is empty, then 400', async () => {
    const res = await upload(ana, Buffer.alloc(0), 'vazio.txt').expect(400);
    expect(res.body.error).toEqual({ code: 'invalid_request', message: 'the file is empty (0 bytes)' });
  });

  it('when the upload is over MAX_ATTACHMENT_MB, then 413 and nothing of it is left behind', async () => {
    const before = store === 'text' ? await readdir(path.join(server.dataDir, 'anexos')) : [];
    const res = await upload(ana, Buffer.alloc(1024 * 1024 + 1, 1), 'big.bin').expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
    if (store === 'text') expect(await readdir(path.join(server.dataDir, 'anexos'))).toEqual(before);
  });

  it('when a send names an attachment of someone else, or one already sent, then 404 and 409', async () => {
    const mine = (await upload(ana, Buffer.from('one'), 'a.txt').expect(201)).body.attachment as Attachment;
    expect((await sendWith(beto, 'ana', [mine.id]).expect(404)).body.error.code).toBe('attachment_not_found');
    await sendWith(ana, 'beto', [mine.id], '', 'send-1').expect(201);
    // The same send again (a retry) is the same message; another send cannot take it.
    const retry = await sendWith(ana, 'beto', [mine.id], '', 'send-1').expect(200);
    expect(retry.body.message.attachments[0].id).toBe(mine.id);
    expect((await sendWith(ana, 'caio', [mine.id], '', 'send-2').expect(409)).body.error.code).toBe('attachment_in_use');
    expect((await sendWith(ana, 'beto', [mine.id], 'again').expect(409)).body.error.code).toBe('attachment_in_use');
    await caio.get(`/api/attachments/${mine.id}`).expect(404);
  });

  it('when a send conflicts with an earlier clientId, then it gives its recipient no access to its attachments, and they can still be sent', async () => {
    await ana.post('/api/messages').send({ to: 'beto', content: 'primeira', clientId: 'reused-1' }).expect(201);
    const a = (await upload(ana, Buffer.from('%PDF-1.4\n% para o caio\n'), 'caio.pdf').expect(201)).body.attachment as Attachment;
    const conflict = await sendWith(ana, 'caio', [a.id], 'outra', 'reused-1').expect(409);
    expect(conflict.body.error.code).toBe('client_id_conflict');
    await caio.get(`/api/attachments/${a.id}`).expect(404);
    // The same with a reply that names no message of that conversation: refused, and nothing claimed.
    const b = (await upload(ana, Buffer.from('%PDF-1.4\n% resposta\n'), 'resposta.pdf').expect(201)).body.attachment as Attachment;
    await ana
      .post('/api/messages')
      .send({ to: 'caio', content: 'x', attachments: [b.id], replyTo: 'AAAAAAAAAAAAAAAAAAAAAA' })
      .expect(400);
    await caio.get(`/api/attachments/${b.id}`).expect(404);
    // Both are still the uploader's to send.
    await sendWith(ana, 'caio', [a.id, b.id], 'agora sim', 'fresh-1').expect(201);
    await caio.get(`/api/attachments/${a.id}`).expect(200);
  });

  it('when a retry with the same clientId conflicts, then the attachments of the original message stay with it', async () => {
    const a = (await upload(ana, Buffer.from('%PDF-1.4\n% original\n'), 'original.pdf').expect(201)).body.attachment as Attachment;
    await sendWith(ana, 'beto', [a.id], 'original', 'orig-1').expect(201);
    await sendWith(ana, 'beto', [a.id], 'changed text', 'orig-1').expect(409);
    await beto.get(`/api/attachments/${a.id}`).expect(200);
  });

  describe('ranges', () => {
    // Over two chunks of the PostgreSQL store (256 KiB each), so ranges cross their edges.
    const video = Buffer.from(Array.from({ length: 600 * 1024 }, (_, i) => (i * 7 + (i >> 10)) & 0xff));
    let id = '';
    let etag = '';
    beforeAll(async () => {
      id = ((await upload(ana, video, 'video.bin').expect(201)).body.attachment as Attachment).id;
      await sendWith(ana, 'beto', [id], 'o vídeo').expect(201);
      etag = (await beto.get(`/api/attachments/${id}`).expect(200)).headers.etag as string;
    });
    const get = (range: string) => beto.get(`/api/attachments/${id}`).set('Range', range).buffer(true);

    it('when the whole file is asked for, then it says it takes ranges', async () => {
      const res = await beto.get(`/api/attachments/${id}`).buffer(true).expect(200);
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect((res.body as Buffer).equals(video)).toBe(true);
    });

    it.each([
      ['bytes=0-99', 0, 99],
      ['bytes=262140-262150', 262140, 262150],
      ['bytes=300000-', 300000, video.length - 1],
      ['bytes=-1000', video.length - 1000, video.length - 1],
      ['bytes=614000-999999', 614000, video.length - 1],
      ['bytes=10-20,15-30', 10, 30],
    ])('when %s is asked for, then 206 with those bytes and Content-Range', async (range, start, end) => {
      const res = await get(range).expect(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${video.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect((res.body as Buffer).equals(video.subarray(start, end + 1))).toBe(true);
    });

    it('when the range starts past the end, then 416 with the size', async () => {
      const res = await get(`bytes=${video.length}-`).expect(416);
      expect(res.headers['content-range']).toBe(`bytes */${video.length}`);
      expect(res.body.error.code).toBe('range_not_satisfiable');
    });

    it.each(['bytes=abc', 'lines=0-5', 'bytes=0-1,500-600'])('when the Range is %j, then the whole file (200)', async (range) => {
      const res = await get(range).expect(200);
      expect((res.body as Buffer).length).toBe(video.length);
    });

    it('when If-Range names another ETag, then the whole file; when it names this one, the range', async () => {
      await beto.get(`/api/attachments/${id}`).set('Range', 'bytes=0-9').set('If-Range', '"other"').expect(200);
      const res = await beto.get(`/api/attachments/${id}`).set('Range', 'bytes=0-9').set('If-Range', etag).buffer(true).expect(206);
      expect((res.body as Buffer).equals(video.subarray(0, 10))).toBe(true);
    });

    it('when someone the file was not sent to asks for a range, then 404', async () => {
      await caio.get(`/api/attachments/${id}`).set('Range', 'bytes=0-9').expect(404);
    });
  });

  it('when a message has neither text nor attachments, then 400', async () => {
    const res = await ana.post('/api/messages').send({ to: 'beto', content: '' }).expect(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('when the sender deletes the message for everyone, then its files are gone for both, from the records and the folder', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n% only in this message ${Date.now()}\n`);
    const a = (await upload(ana, bytes, 'segredo-unico.pdf').expect(201)).body.attachment as Attachment;
    const sent = await sendWith(ana, 'beto', [a.id], 'apaga isso').expect(201);
    await beto.get(`/api/attachments/${a.id}`).expect(200);

    await ana.delete(`/api/messages/${(sent.body.message as Message).id}?for=everyone`).expect(204);

    await beto.get(`/api/attachments/${a.id}`).expect(404);
    await ana.get(`/api/attachments/${a.id}`).expect(404);
    const history = await beto.get('/api/history?with=ana&limit=200').expect(200);
    const gone = (history.body.messages as Message[]).find((m) => m.id === sent.body.message.id);
    expect(gone?.attachments).toBeUndefined();
    if (store === 'text') {
      expect(await readFile(path.join(server.dataDir, 'anexos.txt'), 'utf8')).not.toContain('segredo-unico.pdf');
      const sha = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
      expect(await readdir(path.join(server.dataDir, 'anexos'))).not.toContain(sha);
    } else {
      // Nor does the message's row keep the files' names and ids (migrations/014_deleted_attachments.sql).
      const schema = schemaOf(server.databaseUrl ?? '') ?? '';
      const rows = await adminQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.messages WHERE attachments::text LIKE '%segredo-unico.pdf%' OR attachments::text LIKE $1`,
        [`%${a.id}%`],
      );
      expect(rows).toEqual([{ n: 0 }]);
    }
  });

  it('when the same photo is sent twice, then its bytes are kept once, and both messages carry it through history, the stream and a restart', async () => {
    const photo = await jpegWithGps(30, 20);
    const one = (await upload(ana, photo, 'one.jpg').expect(201)).body.attachment as Attachment;
    const two = (await upload(ana, photo, 'two.jpg').expect(201)).body.attachment as Attachment;
    expect(one.id).not.toBe(two.id);
    const first = await beto.get('/api/attachments/x').expect(404); // not a path to anything
    expect(first.body.error.code).toBe('attachment_not_found');
    await sendWith(ana, 'beto', [one.id, two.id], 'duas').expect(201);
    const events = await poll(beto);
    const carried = messagesOf(events.events).find((m) => m.content === 'duas');
    expect(carried?.attachments?.map((a) => a.name)).toEqual(['one.jpg', 'two.jpg']);
    const e1 = (await beto.get(`/api/attachments/${one.id}`).expect(200)).headers.etag;
    const e2 = (await beto.get(`/api/attachments/${two.id}`).expect(200)).headers.etag;
    expect(e1).toBe(e2);

    server = await restart(server);
    beto = await signUp(server.url, 'beto');
    const history = await beto.get('/api/history?with=ana&limit=50').expect(200);
    const kept = (history.body.messages as Message[]).find((m) => m.content === 'duas');
    expect(kept?.attachments?.map((a) => a.id)).toEqual([one.id, two.id]);
    await beto.get(`/api/attachments/${two.id}`).expect(200);
    ana = await signUp(server.url, 'ana');
    caio = await signUp(server.url, 'caio');
  });
});

async function restart(s: TestServer): Promise<TestServer> {
  await s.stop();
  return startTestServer({
    store: s.store,
    dataDir: s.dataDir,
    ...(s.databaseUrl === undefined ? {} : { databaseUrl: s.databaseUrl }),
    env: { MAX_ATTACHMENT_MB: '1' },
  });
}
