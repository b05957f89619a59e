/**
 * Which requests the fast path takes (`takes`, api/http/fast-path/index.ts) and how it reads their query
 * (`queryOf`), against Express itself: a bare Express 5 app with the three routes echoes the query it parsed,
 * and every request must be taken by both or by neither, with the same query.
 */
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { takes, type FastRoutes } from '../../../api/http/fast-path/index.js';
import { queryOf } from '../../../api/http/fast-path/message-routes.js';

const routes: FastRoutes = { send: async () => undefined, poll: async () => undefined, history: async () => undefined };

const app = express();
const echo: express.RequestHandler = (req, res) => void res.json({ route: `${req.method} ${req.route?.path as string}`, query: req.query });
app.post('/api/messages', echo);
app.get('/api/messages', echo);
app.get('/api/history', echo);
app.use((_req, res) => void res.status(404).json(null));

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What Express did with the request: the route and query it gave the handler, or nothing. */
async function viaExpress(method: Method, target: string): Promise<{ route: string; query: unknown } | null> {
  const res = await request(app)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : method === 'PUT' ? 'put' : 'delete'](target);
  return res.status === 404 ? null : (res.body as { route: string; query: unknown });
}

/** What the fast path does with it, in the same words. */
function viaFastPath(method: string, target: string): { route: string; query: unknown } | null {
  const route = takes(routes, method, target);
  if (route === undefined) return null;
  return {
    route: route === routes.send ? 'POST /api/messages' : route === routes.poll ? 'GET /api/messages' : 'GET /api/history',
    query: JSON.parse(JSON.stringify(queryOf(target))) as unknown,
  };
}

describe('the fast path takes what Express routes to send, poll and the history', () => {
  it.each([
    '/api/messages',
    '/API/Messages',
    '/api/messages/',
    '/api/messages?wait=0',
    '/api/messages/?wait=0&after=c',
    '/api/messages?',
    '/api/messages//',
    '/api//messages',
    '/api/messages/read',
    '/api/messagesx',
    '/api/messages;x',
    '/api/%6Dessages',
    '/api/messages%2F',
    '/api/messages.json',
    '/xapi/messages',
    '/api/history',
    '/API/History/',
    '/api/history?limit=5&with=bruno',
    '/api/history/?before=c',
    '/api/history//',
    '/api/historyx',
    '/api/history/search',
    '/api/%68istory',
  ])('when the target is %s, then Express and the fast path route it alike', async (target) => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE'] as const satisfies readonly Method[]) {
      expect(viaFastPath(method, target), `${method} ${target}`).toEqual(await viaExpress(method, target));
    }
  });

  it.each([
    'wait=10&after=c1',
    'after=a&after=b',
    'wait=',
    'wait',
    'a=1&&b=2',
    'after=%F0%9F%91%8D',
    'after=a%2Bb+c',
    'after=50%zz',
    'after[x]=1',
    'after.x=1',
    '__proto__=1',
    'wait=1;after=2',
  ])('when the query is %s, then the fast path reads it as Express does', async (query) => {
    for (const path of ['/api/messages', '/api/history']) {
      expect(viaFastPath('GET', `${path}?${query}`)).toEqual(await viaExpress('GET', `${path}?${query}`));
    }
  });
});
