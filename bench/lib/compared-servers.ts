/**
 * The servers issue #20 compares Papo with, for the tools that count rather than time (`bench:count`,
 * `bench:syscalls`): the durable floor, the durable floor that also syncs receipts, the floor that keeps Papo's records in Papo's
 * files, and the Faye peer. Each
 * tool picks from this list with `--servers`, so they name and start the same servers the same way.
 */
import { fail } from './cli.js';

export interface ComparedServer {
  key: string;
  name: string;
  /** Its script, from the repository's root; Papo's `api/main.ts` when absent. */
  entry?: string;
  env?: Record<string, string>;
  /** How the load generator talks to it: Papo's API, or Bayeux's long-polling (Faye). */
  protocol: 'papo' | 'bayeux';
}

export const COMPARED_SERVERS: readonly ComparedServer[] = [
  { key: 'papo', name: 'Papo', protocol: 'papo' },
  { key: 'floor', name: 'floor, durable', entry: 'bench/floor/floor-server.ts', env: { FLOOR_DURABLE: '1' }, protocol: 'papo' },
  {
    key: 'floor-receipts',
    name: 'floor, receipts',
    entry: 'bench/floor/floor-server.ts',
    env: { FLOOR_DURABLE: '1', FLOOR_RECEIPTS: '1' },
    protocol: 'papo',
  },
  { key: 'floor-work', name: "floor, Papo's records", entry: 'bench/floor/floor-server.ts', env: { FLOOR_WORK: 'papo' }, protocol: 'papo' },
  { key: 'faye', name: 'Faye 1.4, in memory', entry: 'bench/faye/faye-server.ts', protocol: 'bayeux' },
];

export const ALL_SERVER_KEYS = COMPARED_SERVERS.map((s) => s.key).join(',');

/** The servers a `--servers` list names (comma-separated keys), in the list's order; an unknown key fails with one line. */
export function pickServers(list: string): ComparedServer[] {
  const wanted = list.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !COMPARED_SERVERS.some((s) => s.key === w));
  if (unknown.length > 0) fail(`unknown server(s): ${unknown.join(', ')}; known: ${ALL_SERVER_KEYS}`);
  return COMPARED_SERVERS.filter((s) => wanted.includes(s.key));
}
