import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MyProfile, PollResponse, UserProfile } from '../../api/contract.js';
import { cleanupAfterEach } from '../support/after-each.js';
import type { SpecAgent } from '../support/contract.js';
import { STORES, startTestServer, testServers, type TestServer } from '../support/server.js';
import { poll, signUp } from '../support/users.js';

const servers = testServers();
const defer = cleanupAfterEach();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` is still pending after `ms`. */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, sleep(ms).then(() => marker)])) === marker;
}

async function profileOf(viewer: SpecAgent, name: string): Promise<UserProfile> {
  return (await viewer.get(`/api/users/${name}`).expect(200)).body as UserProfile;
}

/** A poll held for up to 20 s, started once the first poll gave a cursor; resolves with its answer. */
async function heldPoll(device: SpecAgent): Promise<{ answer: Promise<PollResponse>; cursor: string }> {
  const { cursor } = await poll(device);
  const answer = poll(device, cursor, 20);
  await sleep(300); // held by the server by then
  return { answer, cursor };
}

describe.each(STORES)('profiles on the %s store', (store) => {
  describe('display name (PATCH /api/profile)', () => {
    it('when maria sets a display name, then it is stored in NFKC, others see it, and it survives a restart', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      expect((await maria.get('/api/profile').expect(200)).body).toEqual({
        username: 'maria',
        displayName: null,
        lastSeenVisibility: 'everyone',
        photoUrl: null,
      });

      const res = await maria.patch('/api/profile').send({ displayName: '  Ｍａｒｉａ   Silva 🌻 ' }).expect(200);
      expect(res.body).toEqual({
        username: 'maria',
        displayName: 'Maria Silva 🌻',
        lastSeenVisibility: 'everyone',
        photoUrl: null,
      } satisfies MyProfile);
      expect((await profileOf(bruno, 'maria')).displayName).toBe('Maria Silva 🌻');
      expect(
        (await bruno.get('/api/users?names=maria,nobody_here,bruno').expect(200)).body.users.map((u: UserProfile) => u.displayName),
      ).toEqual(['Maria Silva 🌻', null]);

      const again = await servers.restart(s);
      const brunoAgain = await signUp(again.url, 'bruno');
      expect((await profileOf(brunoAgain, 'maria')).displayName).toBe('Maria Silva 🌻');
      if (store === 'text')
        expect(await readFile(path.join(again.dataDir, 'perfis.txt'), 'utf8')).toMatch(/^p;maria;Maria Silva 🌻;everyone;[0-9a-f]{8}$/m);
    });

    it('when a display name breaks the rule, then 400 and nothing changes; null or blank removes it', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      await maria.patch('/api/profile').send({ displayName: 'Maria' }).expect(200);
      for (const bad of ['\u202Enimda', 'a\nb', 'x'.repeat(41), 'tab\u0007bell']) {
        const res = await maria.patch('/api/profile').send({ displayName: bad }).expect(400);
        expect(res.body.error.code).toBe('invalid_request');
      }
      expect(
        (
          await maria
            .patch('/api/profile')
            .send({ displayName: 'x'.repeat(40) })
            .expect(200)
        ).body.displayName,
      ).toBe('x'.repeat(40));
      expect((await maria.patch('/api/profile').send({ displayName: '   ' }).expect(200)).body.displayName).toBeNull();
      await maria.patch('/api/profile').send({ displayName: 'Maria' }).expect(200);
      expect((await maria.patch('/api/profile').send({ displayName: null }).expect(200)).body.displayName).toBeNull();
      expect((await maria.patch('/api/profile').send({ nickname: 'm' }).expect(400)).body.error.code).toBe('unknown_field');
    });
  });

  describe('profile photo (PATCH /api/profile {photo}, GET /api/users/{username}/photo)', () => {
    const png = () =>
      sharp({ create: { width: 200, height: 120, channels: 3, background: { r: 30, g: 120, b: 200 } } })
        .png()
        .toBuffer();
    const upload = async (device: SpecAgent, bytes: Buffer, name = 'me.png'): Promise<string> =>
      (await device.post(`/api/attachments?name=${name}`).set('Content-Type', 'application/octet-stream').send(bytes).expect(201)).body
        .attachment.id;

    it('when maria makes an upload her photo, then anyone logged in gets its preview, a new one replaces it, and it survives a restart', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const carol = await signUp(s.url, 'carol'); // never talked to maria: anyone may message anyone
      const first = await upload(maria, await png());
      const mine = (await maria.patch('/api/profile').send({ photo: first }).expect(200)).body as MyProfile;
      expect(mine.photoUrl).toBe(`/api/users/maria/photo?v=${first}`);
      const seen = await profileOf(carol, 'maria');
      expect(seen.photoUrl).toBe(mine.photoUrl);
      const served = await carol
        .get(seen.photoUrl ?? '')
        .buffer(true)
        .expect(200);
      expect(served.headers['content-type']).toBe('image/webp');
      expect(served.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect((await sharp(served.body as Buffer).metadata()).format).toBe('webp');
      await carol.get('/api/users/maria/photo').set('If-None-Match', String(served.headers.etag)).expect(304);

      const second = await upload(
        maria,
        await sharp(await png())
          .rotate(90)
          .png()
          .toBuffer(),
        'other.png',
      );
      expect((await maria.patch('/api/profile').send({ photo: second }).expect(200)).body.photoUrl).toBe(
        `/api/users/maria/photo?v=${second}`,
      );
      // The one it replaced is gone, for its uploader too.
      await maria.get(`/api/attachments/${first}`).expect(404);

      const again = await servers.restart(s);
      const carolAgain = await signUp(again.url, 'carol');
      expect((await profileOf(carolAgain, 'maria')).photoUrl).toBe(`/api/users/maria/photo?v=${second}`);
      await carolAgain.get('/api/users/maria/photo').buffer(true).expect(200);
      const mariaAgain = await signUp(again.url, 'maria');
      expect((await mariaAgain.patch('/api/profile').send({ photo: null }).expect(200)).body.photoUrl).toBeNull();
      expect((await carolAgain.get('/api/users/maria/photo').expect(404)).body.error.code).toBe('not_found');
    });

    it('when the photo is not an image, or not hers, or goes with a message, then it is refused and nothing changes', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      const text = await upload(maria, Buffer.from('just some text\n'), 'notes.txt');
      expect((await maria.patch('/api/profile').send({ photo: text }).expect(400)).body.error.code).toBe('invalid_request');
      const his = await upload(bruno, await png());
      expect((await maria.patch('/api/profile').send({ photo: his }).expect(404)).body.error.code).toBe('attachment_not_found');
      const sent = await upload(maria, await png());
      await maria
        .post('/api/messages')
        .send({ to: 'bruno', content: '', attachments: [sent] })
        .expect(201);
      expect((await maria.patch('/api/profile').send({ photo: sent }).expect(409)).body.error.code).toBe('attachment_in_use');
      expect((await maria.get('/api/profile').expect(200)).body.photoUrl).toBeNull();
    });
  });

  describe('last seen and online (GET /api/users/{username})', () => {
    it('when maria holds a poll, then bruno sees her online; once she hides it, neither sees the other’s', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      expect((await profileOf(bruno, 'maria')).presence).toEqual({ online: false, lastSeenAt: null });
      const held = await heldPoll(maria);
      const seen = (await profileOf(bruno, 'maria')).presence;
      expect(seen?.online).toBe(true);
      expect(Date.now() - Date.parse(seen?.lastSeenAt ?? '')).toBeLessThan(10_000);

      await maria.patch('/api/profile').send({ lastSeenVisibility: 'nobody' }).expect(200);
      expect((await profileOf(bruno, 'maria')).presence).toBeNull();
      await poll(bruno);
      expect((await profileOf(maria, 'bruno')).presence).toBeNull();
      // Her own stays visible to her.
      expect((await profileOf(maria, 'maria')).presence?.online).toBe(true);

      const again = await servers.restart(s);
      await held.answer.catch(() => undefined);
      const brunoAgain = await signUp(again.url, 'bruno');
      expect((await profileOf(brunoAgain, 'maria')).presence).toBeNull();
    });

    it('when the server restarts, then last seen is still known (written at shutdown, not on every poll)', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      await poll(maria);
      const polledAt = Date.now();
      if (store === 'text') expect(await readFile(path.join(s.dataDir, 'perfis.txt'), 'utf8')).not.toMatch(/^s;maria;/m);
      const again = await servers.restart(s);
      const bruno = await signUp(again.url, 'bruno');
      const presence = (await profileOf(bruno, 'maria')).presence;
      expect(presence?.online).toBe(false);
      expect(Math.abs(Date.parse(presence?.lastSeenAt ?? '') - polledAt)).toBeLessThan(5_000);
      if (store === 'text') expect(await readFile(path.join(again.dataDir, 'perfis.txt'), 'utf8')).toMatch(/^s;maria;\d{13};[0-9a-f]{8}$/m);
    });
  });

  describe('typing (POST /api/typing)', () => {
    it('when maria types to bruno, then only bruno’s held poll answers, with a typing event and the same cursor', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      const carol = await signUp(s.url, 'carol');
      const brunoPoll = await heldPoll(bruno);
      const carolPoll = await heldPoll(carol);
      const mariaPoll = await heldPoll(maria);

      await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
      const answer = await brunoPoll.answer;
      expect(answer).toEqual({ events: [{ type: 'typing', from: 'maria', seconds: 5 }], cursor: brunoPoll.cursor });
      // Unrelated held polls are not answered: neither carol's nor the sender's own.
      expect(await stillPending(carolPoll.answer, 500)).toBe(true);
      expect(await stillPending(mariaPoll.answer, 0)).toBe(true);
      // Never stored: a new poll does not see it again.
      expect((await poll(bruno, answer.cursor)).events).toEqual([]);
    });

    it('when maria types while bruno is between two polls, then his next poll gets it, once', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      const { cursor } = await poll(bruno);
      // No poll of bruno's is held now: a poll is away for a round trip after each answer.
      await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
      const next = await poll(bruno, cursor, 25);
      expect(next).toEqual({ events: [{ type: 'typing', from: 'maria', seconds: 5 }], cursor });
      expect((await poll(bruno, cursor)).events).toEqual([]);
    });

    it('when maria types again within 2.5 s, then it is coalesced: 204, and bruno is not woken again', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      const bruno = await signUp(s.url, 'bruno');
      const first = await heldPoll(bruno);
      await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
      expect((await first.answer).events).toHaveLength(1);
      const second = await heldPoll(bruno);
      await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
      expect(await stillPending(second.answer, 500)).toBe(true);
      await sleep(2_000);
      await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
      expect((await second.answer).events).toEqual([{ type: 'typing', from: 'maria', seconds: 5 }]);
    });

    it('when the recipient is missing or oneself, then 404 or 400', async () => {
      const s = await servers.start({ store });
      const maria = await signUp(s.url, 'maria');
      expect((await maria.post('/api/typing').send({ to: 'ghost' }).expect(404)).body.error.code).toBe('user_not_found');
      expect((await maria.post('/api/typing').send({ to: 'maria' }).expect(400)).body.error.code).toBe('invalid_request');
      expect((await maria.post('/api/typing').send({ to: 'not a name!' }).expect(400)).body.error.code).toBe('invalid_username');
    });
  });
});

describe.skipIf(!STORES.includes('postgres'))('two servers on one PostgreSQL', () => {
  async function pair(): Promise<[TestServer, TestServer]> {
    const a = await servers.start({ store: 'postgres' });
    const b = await startTestServer({ store: 'postgres', ...(a.databaseUrl ? { databaseUrl: a.databaseUrl } : {}) });
    defer(() => b.stop());
    return [a, b];
  }

  it('when maria on A types to bruno, whose poll is held on B, then it reaches B, and carol’s poll on B stays held', async () => {
    const [a, b] = await pair();
    const maria = await signUp(a.url, 'maria');
    const bruno = await signUp(b.url, 'bruno');
    const carol = await signUp(b.url, 'carol');
    const brunoPoll = await heldPoll(bruno);
    const carolPoll = await heldPoll(carol);
    await maria.post('/api/typing').send({ to: 'bruno' }).expect(204);
    expect((await brunoPoll.answer).events).toEqual([{ type: 'typing', from: 'maria', seconds: 5 }]);
    expect(await stillPending(carolPoll.answer, 500)).toBe(true);
  });

  it('when bruno polls on B, then A says he is online', async () => {
    const [a, b] = await pair();
    const maria = await signUp(a.url, 'maria');
    const bruno = await signUp(b.url, 'bruno');
    await heldPoll(bruno);
    await sleep(300);
    expect((await profileOf(maria, 'bruno')).presence?.online).toBe(true);
  });
});
