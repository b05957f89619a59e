/**
 * The queries both search tools time (`npm run bench:search-latency` on the text store,
 * `npm run bench:search-latency-pg` on PostgreSQL), against the history bench/lib/seed.ts seeds for `reader`,
 * so the two stores' figures answer the same questions.
 */
import type { Store } from '../../api/store/store.js';
import { percentile } from './stats.js';

/** One search: the words (prefixes) and, for an older page, the sequence number it starts before. */
interface Query {
  words: string[];
  before?: number;
}

/** Times one search of `reader`'s messages, first page, in milliseconds. */
export function searchTimer(messages: Store['messages']): (words: string[], before?: number) => Promise<number> {
  return async (words, before) => {
    const t = performance.now();
    await messages.search('reader', { words, limit: 20, before });
    return performance.now() - t;
  };
}

/** Runs every query `runs` times, prints each one's p50 and max, and returns p50/p99 over all of them. */
export async function timeQueries(
  timed: (words: string[], before?: number) => Promise<number>,
  lines: number,
  runs: number,
): Promise<string> {
  const middle = Math.floor(lines / 2);
  const queries: Record<string, Query> = {
    'common prefix "ordin" (every message)': { words: ['ordin'] },
    'rare word (one message)': { words: [String(lines - 7)] },
    'two words "histo semicol"': { words: ['histo', 'semicol'] },
    'number prefix "12" (many words)': { words: ['12'] },
    'common prefix, older page (before the middle)': { words: ['ordin'], before: middle },
    'no match "zzz"': { words: ['zzz'] },
  };
  const all: number[] = [];
  for (const [name, { words, before }] of Object.entries(queries)) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timed(words, before));
    times.sort((a, b) => a - b);
    all.push(...times);
    console.log(`${name}: first page p50 ${percentile(times, 50).toFixed(2)} ms, max ${(times.at(-1) ?? 0).toFixed(2)} ms`);
  }
  all.sort((a, b) => a - b);
  return `all ${all.length} queries: p50 ${percentile(all, 50).toFixed(2)} ms, p99 ${percentile(all, 99).toFixed(2)} ms`;
}
