import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler } from 'express';
import type { AccountExport } from '../../accounts/export/account-export.js';
import type { Accounts } from '../../accounts/accounts.js';
import { USER_AGENT_KEPT } from '../../accounts/device-name.js';
import type { Devices } from '../../accounts/devices.js';
import type { Blocking } from '../../accounts/blocking.js';
import type { BlocksResponse, ChangePasswordRequest, DeleteAccountRequest, DevicesResponse, EndDevicesResponse } from '../../contract.js';
import { sessionKey } from '../../store/session-key.js';
import { SESSION_COOKIE, currentUser, destroy, regenerate, save } from '../session.js';
import type { Request, Response } from 'express';

/** The User-Agent a new session keeps (issue #17), cut to a bound. */
export function userAgentOf(req: Request): string | undefined {
  const ua = req.get('user-agent');
  return ua === undefined || ua === '' ? undefined : ua.slice(0, USER_AGENT_KEPT);
}

function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
}

/** The user's devices (their sessions), their password, and whom they blocked (issue #17). */
export function accountRoutes(
  accounts: Accounts,
  devices: Devices,
  blocking: Blocking,
  requireUser: RequestHandler,
  accountExport: AccountExport,
): Router {
  const router = Router();

  // Export my data (issue #17): the session's user only; the spec refuses any query parameter.
  router.get('/api/account/export', requireUser, async (req, res) => {
    const { fileName, body } = await accountExport.start(currentUser(res), sessionKey(req.sessionID));
    res.setHeader('Content-Type', 'application/zip');
    // Quoted as written: a username is only a-z, 0-9, "_", "." and "-" (api/names/username.ts).
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.setHeader('Cache-Control', 'no-store');
    await pipeline(body, res).catch((err: unknown) => {
      // A reader that went away midway is no error of ours; a store failing midway is (logged, connection cut).
      if ((err as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    });
  });

  router.get('/api/account/devices', requireUser, async (req, res) => {
    const body: DevicesResponse = { devices: await devices.list(currentUser(res), sessionKey(req.sessionID)) };
    res.json(body);
  });

  router.delete('/api/account/devices', requireUser, async (req, res) => {
    const body: EndDevicesResponse = { ended: await devices.endOthers(currentUser(res), sessionKey(req.sessionID)) };
    res.json(body);
  });

  router.delete('/api/account/devices/:id', requireUser, async (req, res) => {
    const { current } = await devices.end(currentUser(res), String(req.params.id), sessionKey(req.sessionID));
    // Ending this very device is a logout: its cookie goes too.
    if (current) clearSessionCookie(res);
    res.status(204).end();
  });

  router.post('/api/account/password', requireUser, async (req, res) => {
    const username = currentUser(res);
    const { currentPassword, newPassword } = req.body as ChangePasswordRequest;
    await accounts.changePassword(username, currentPassword, newPassword);
    // Every session ended with the change, this one too: this device goes on with a new one (a new id, so
    // its old cookie is worth nothing either).
    await regenerate(req);
    req.session.username = username;
    req.session.loggedInAt = Date.now();
    const userAgent = userAgentOf(req);
    if (userAgent !== undefined) req.session.userAgent = userAgent;
    await save(req);
    res.status(204).end();
  });

  // Delete my account (issue #17): every session ends with it, on every process; this one's cookie goes too.
  router.delete('/api/account', requireUser, async (req, res) => {
    await accounts.deleteAccount(currentUser(res), (req.body as DeleteAccountRequest).password);
    await destroy(req);
    clearSessionCookie(res);
    res.status(204).end();
  });

  router.get('/api/account/blocks', requireUser, async (_req, res) => {
    const body: BlocksResponse = { blocked: await blocking.list(currentUser(res)) };
    res.json(body);
  });

  router.put('/api/account/blocks/:username', requireUser, async (req, res) => {
    await blocking.block(currentUser(res), String(req.params.username));
    res.status(204).end();
  });

  router.delete('/api/account/blocks/:username', requireUser, async (req, res) => {
    await blocking.unblock(currentUser(res), String(req.params.username));
    res.status(204).end();
  });

  return router;
}
