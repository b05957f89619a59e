import { Router, type RequestHandler } from 'express';
import type { Accounts } from '../../accounts/accounts.js';
import type { Devices } from '../../accounts/devices.js';
import { sessionKey } from '../../store/session-key.js';
import type { LoginRequest, LoginResponse, SessionResponse } from '../../contract.js';
import { deviceTokenOf, setDeviceCookie } from '../device-cookie.js';
import { userAgentOf } from './account.js';
import { SESSION_COOKIE, currentUser, destroy, regenerate, save } from '../session.js';

/**
 * Login-or-register, who am I, and logout (the old client's `/sair`). `loggingOut` runs before a session is
 * destroyed, with its key: the device's push subscription goes with it (issue #17).
 */
export function sessionRoutes(
  accounts: Accounts,
  requireUser: RequestHandler,
  devices?: Devices,
  loggingOut: (sessionKey: string) => Promise<void> = () => Promise.resolve(),
): Router {
  const router = Router();

  router.post('/api/session', async (req, res) => {
    const { username, password } = req.body as LoginRequest;
    // req.ip follows X-Forwarded-For only when TRUST_PROXY says the proxy is trusted.
    const result = await accounts.loginOrRegister(username, password, { address: req.ip ?? 'unknown', deviceToken: deviceTokenOf(req) });
    // A new session id at login: a cookie planted before login (session fixation) is worth nothing after.
    await regenerate(req);
    req.session.username = result.username;
    req.session.loggedInAt = Date.now();
    const userAgent = userAgentOf(req);
    if (userAgent !== undefined) req.session.userAgent = userAgent;
    await save(req);
    // Sessions per user are limited (issue #17): a new login ends the least recently used one past the limit.
    await devices?.limit(result.username, sessionKey(req.sessionID));
    setDeviceCookie(req, res, result.deviceToken);
    const body: LoginResponse = { user: { username: result.username }, created: result.created };
    res.status(result.created ? 201 : 200).json(body);
  });

  router.get('/api/session', requireUser, (_req, res) => {
    const body: SessionResponse = { user: { username: currentUser(res) } };
    res.json(body);
  });

  router.delete('/api/session', async (req, res) => {
    if (req.session?.username) {
      await loggingOut(sessionKey(req.sessionID));
      await destroy(req);
    }
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
    res.status(204).end();
  });

  return router;
}
