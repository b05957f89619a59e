import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePwa } from '../../api/http/pwa-static.js';

/** An app shaped like api/app.ts: API routes first, the PWA after them. */
function appServing(distDir: string) {
  const app = express();
  app.get('/api/ping', (_req, res) => void res.json({ pong: true }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.use(servePwa(distDir));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'not_found', message: 'no such route' } }));
  return app;
}

describe('servePwa', () => {
  let dist: string;

  beforeAll(async () => {
    dist = await mkdtemp(path.join(os.tmpdir(), 'papo-dist-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Papo</title>');
    await writeFile(path.join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    await writeFile(path.join(dist, 'manifest.webmanifest'), '{"name":"Papo"}');
    await writeFile(path.join(dist, 'assets', 'index-AbC123.js'), 'console.log(1);');
  });

  afterAll(async () => {
    await rm(dist, { recursive: true, force: true });
  });

  it('when / is requested, then index.html comes back, revalidated on every start', async () => {
    const res = await supertest(appServing(dist)).get('/').set('accept', 'text/html').expect(200);
    expect(res.text).toContain('<title>Papo</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('when sw.js or the manifest is requested, then it is no-cache, so a new release reaches installed apps', async () => {
    const app = appServing(dist);
    expect((await supertest(app).get('/sw.js').expect(200)).headers['cache-control']).toBe('no-cache');
    const manifest = await supertest(app).get('/manifest.webmanifest').expect(200);
    expect(manifest.headers['cache-control']).toBe('no-cache');
    expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
  });

  it('when a hashed asset is requested, then it is cached for a year as immutable', async () => {
    const res = await supertest(appServing(dist)).get('/assets/index-AbC123.js').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  it('when a browser opens an app path, then it gets index.html (the app routes itself)', async () => {
    const res = await supertest(appServing(dist)).get('/c/maria').set('accept', 'text/html,application/xhtml+xml').expect(200);
    expect(res.text).toContain('<title>Papo</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('when a missing file is fetched by a script, then it is a 404, not index.html', async () => {
    await supertest(appServing(dist)).get('/assets/gone-123.js').set('accept', '*/*').expect(404);
  });

  it('when /api or /healthz paths are asked for as pages, then the PWA never answers them', async () => {
    const app = appServing(dist);
    const missing = await supertest(app).get('/api/nope').set('accept', 'text/html').expect(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: 'no such route' } });
    await supertest(app).get('/api/ping').set('accept', 'text/html').expect(200, { pong: true });
    await supertest(app).get('/healthz').set('accept', 'text/html').expect(200, { ok: true });
  });

  it('when a page is posted to, then the PWA leaves it to the next handler', async () => {
    await supertest(appServing(dist)).post('/').set('accept', 'text/html').expect(404);
  });

  it('when the PWA is not built, then pages get a 503 that says so', async () => {
    const res = await supertest(appServing(path.join(dist, 'not-built')))
      .get('/')
      .set('accept', 'text/html')
      .expect(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/not built/);
  });
});
