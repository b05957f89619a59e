import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler } from 'express';
import type { MyProfile, ProfileUpdate, TypingRequest, UserProfile, UsersResponse } from '../../contract.js';
import type { Profiles } from '../../profiles/profiles.js';
import { currentUser } from '../session.js';

/** One's profile, other people's (display name, last seen), and typing signals (issue #19, items 10 to 12). */
export function profileRoutes(profiles: Profiles, requireUser: RequestHandler): Router {
  const router = Router();

  router.get('/api/profile', requireUser, async (_req, res) => {
    const body: MyProfile = await profiles.mine(currentUser(res));
    res.json(body);
  });

  router.patch('/api/profile', requireUser, async (req, res) => {
    const body: MyProfile = await profiles.updateMine(currentUser(res), req.body as ProfileUpdate);
    res.json(body);
  });

  router.get('/api/users', requireUser, async (req, res) => {
    const names = typeof req.query.names === 'string' ? req.query.names.split(',').filter((n) => n !== '') : [];
    const body: UsersResponse = { users: await profiles.lookup(currentUser(res), names) };
    res.json(body);
  });

  router.get('/api/users/:username', requireUser, async (req, res) => {
    const body: UserProfile = await profiles.lookupOne(currentUser(res), String(req.params.username));
    res.json(body);
  });

  // The photo's preview (a WebP the server made, issue #18), to any logged-in user: as the attachments are,
  // never sniffed or run (nosniff, CSP sandbox), revalidated by ETag.
  router.get('/api/users/:username/photo', requireUser, async (req, res) => {
    const photo = await profiles.photo(currentUser(res), String(req.params.username));
    res.setHeader('ETag', photo.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    if (req.headers['if-none-match'] === photo.etag) {
      photo.body.destroy();
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await pipeline(photo.body, res).catch((err: unknown) => {
      if (!res.destroyed) throw err;
    });
  });

  router.post('/api/typing', requireUser, async (req, res) => {
    await profiles.typing(currentUser(res), (req.body as TypingRequest).to);
    res.status(204).end();
  });

  return router;
}
