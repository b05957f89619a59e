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

  router.post('/api/typing', requireUser, async (req, res) => {
    await profiles.typing(currentUser(res), (req.body as TypingRequest).to);
    res.status(204).end();
  });

  return router;
}
