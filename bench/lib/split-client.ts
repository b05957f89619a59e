/** Several server processes behind one ApiClient, for the postgres scenario: each user talks to its own process. */
import { at } from './at.js';
import type { ApiClient } from './client.js';

export function splitClient(clients: ApiClient[], home: Map<string, number>): ApiClient {
  const of = (username: string): ApiClient => {
    const index = home.get(username);
    if (index === undefined) throw new Error(`no server for ${username}`);
    return at(clients, index);
  };
  return {
    send: (from, to, content) => of(from.username).send(from, to, content),
    poll: (user, after, wait, signal) => of(user.username).poll(user, after, wait, signal),
    login: (username, password) => of(username).login(username, password),
    get: (path, user) => (user ? of(user.username) : at(clients, 0)).get(path, user),
    heldPolls: async () => (await Promise.all(clients.map((c) => c.heldPolls()))).reduce((a, b) => a + b, 0),
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
