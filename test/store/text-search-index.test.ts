import { describe, expect, it } from 'vitest';
import { eachWord, searchWords, wordHash } from '../../api/store/search-words.js';
import type { HistoryRecord } from '../../api/store/text/records.js';
import { SearchIndex } from '../../api/store/text/text-search-index.js';
import { newestFirst } from '../../api/store/text/text-search-merge.js';
import { WordNumbers } from '../../api/store/text/text-search-words.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { captureLog } from '../support/log.js';
import { tempDir } from '../support/server.js';

const msg = (seq: number, content: string): HistoryRecord => ({
  kind: 'msg',
  seq,
  sentAt: '2026-12-07T09:00:00.000Z',
  from: 'ana',
  to: 'beto',
  content,
  clientId: undefined,
});
const edit = (seq: number, messageSeq: number, content: string): HistoryRecord => ({
  kind: 'ed',
  seq,
  messageSeq,
  at: '2026-12-07T09:00:00.000Z',
  content,
});

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('the text search index (issue #18)', () => {
  it('when messages and edits come in any mix with searches between them, then a prefix finds exactly the messages that ever had a word with it, newest first', () => {
    const next = random(7);
    const vocabulary = ['ola', 'olho', 'olá', 'acao', 'ação', 'casa', 'casamento', 'cão', 'z9', 'x', '12', '123', '1234'];
    const index = new SearchIndex();
    index.seal(); // the end of a (here empty) history load: from now on segments are made and merged
    const had = new Map<string, Set<number>>();
    let seq = 0;
    for (let step = 0; step < 1500; step++) {
      const words = Array.from({ length: 1 + Math.floor(next() * 4) }, () => vocabulary[Math.floor(next() * vocabulary.length)] ?? '');
      const text = words.join(' ');
      seq++;
      // Now and then an edit of an older message (its seq goes back), else a new message.
      const target = seq > 10 && next() < 0.1 ? seq - 1 - Math.floor(next() * 10) : seq;
      index.add(target === seq ? msg(seq, text) : edit(seq, target, text));
      for (const w of searchWords(text)) had.set(w, (had.get(w) ?? new Set()).add(target));
      if (next() < 0.05 || step === 1499) {
        for (const prefix of ['ol', 'ola', 'ac', 'cas', 'cao', 'z', '12', '1234', 'nada']) {
          const lists = index.listsFor(prefix);
          for (const list of lists) expect([...list]).toEqual([...new Set(list)].sort((a, b) => a - b));
          const expected = [...had].filter(([w]) => w.startsWith(prefix)).flatMap(([, seqs]) => [...seqs]);
          expect([...newestFirst(lists, Infinity)]).toEqual([...new Set(expected)].sort((a, b) => b - a));
        }
      }
    }
    // Segments of like size are merged: a few, however many searches sealed small ones.
    expect(index.size.segments).toBeLessThanOrEqual(2 * Math.log2(index.size.pairs));
  });

  it('when a history loads, then everything it holds is gathered into one segment at the end', () => {
    const index = new SearchIndex();
    for (let seq = 1; seq <= 50_000; seq++) index.add(msg(seq, `mensagem número ${seq}`));
    index.add(edit(50_001, 3, 'trocada'));
    index.seal();
    expect(index.size.segments).toBe(1);
    expect([...newestFirst(index.listsFor('troca'), Infinity)]).toEqual([3]);
    expect([...newestFirst(index.listsFor('numero'), 5)]).toEqual([4, 3, 2, 1]);
    expect(index.listsFor('4999').flatMap((l) => [...l])).toEqual([
      4999, 49990, 49991, 49992, 49993, 49994, 49995, 49996, 49997, 49998, 49999,
    ]);
  });

  it('when words are read as ranges (as a history loads), then they are the words searchWords finds, ASCII or not', () => {
    const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join('');
    for (const text of [ascii, `${ascii} Olá AÇÃO`, 'Hello, World! 42x_y-z', 'ÉCOLE été Straße İstanbul ½ ٣', '', '  ;;  ', 'A']) {
      const ranges: string[] = [];
      eachWord(text, (source, start, end, hash) => {
        const word = source.slice(start, end).toLowerCase();
        expect(hash).toBe(wordHash(word, 0, word.length));
        ranges.push(word);
      });
      expect(ranges).toEqual(searchWords(text));
    }
  });

  it('when many distinct words and the same words in other cases come, then each word keeps one number', () => {
    const numbers = new WordNumbers();
    const first = Array.from({ length: 5000 }, (_, i) => numbers.numberOf(`Word${i}`, 0, `Word${i}`.length));
    expect(first).toEqual(first.map((_, i) => i));
    expect(numbers.numberOf('xxWORD4999yy', 2, 10)).toBe(4999);
    expect(numbers.numberOf('word0', 0, 5)).toBe(0);
    expect(numbers.words[4999]).toBe('word4999');
  });

  it('when the store opens a history with edits and deletes in it, then search finds edited messages by their new text only, and deleted ones never', async () => {
    const dir = await tempDir();
    const hash = '$2b$10$abcdefghijklmnopqrstuuKx9JZJ0cM5cQ8Q8Q8Q8Q8Q8Q8Q8Q8Q8';
    const options = { dataDir: dir, log: captureLog().logger, hashPassword: async (p: string) => p, sessionTtlMs: 60_000 };
    const first = await TextStore.open(options);
    await first.users.create({ username: 'ana', passwordHash: hash });
    await first.users.create({ username: 'beto', passwordHash: hash });
    const sent: number[] = [];
    for (const content of ['abacaxi maduro', 'banana verde', 'caju doce']) {
      const r = await first.messages.append({ from: 'ana', to: 'beto', content, clientId: undefined });
      if (r.kind !== 'created') throw new Error(r.kind);
      sent.push(r.message.seq);
    }
    const [abacaxi, banana] = sent as [number, number, number];
    const notBefore = '2000-01-01T00:00:00.000Z';
    expect((await first.messages.edit({ user: 'ana', seq: abacaxi, notBefore, content: 'kiwi maduro' })).kind).toBe('done');
    expect((await first.messages.deleteForEveryone({ user: 'ana', seq: banana, notBefore })).kind).toBe('done');
    await first.close();

    const store = await TextStore.open(options);
    try {
      const found = async (word: string) => (await store.messages.search('ana', { words: [word], limit: 10 })).messages.map((m) => m.seq);
      expect(await found('abacaxi')).toEqual([]);
      expect(await found('kiwi')).toEqual([abacaxi]);
      expect(await found('madu')).toEqual([abacaxi]);
      expect(await found('banana')).toEqual([]);
      expect(await found('verde')).toEqual([]);
      // Changes made after the load reach the index too.
      expect((await store.messages.edit({ user: 'ana', seq: abacaxi, notBefore, content: 'manga' })).kind).toBe('done');
      expect(await found('kiwi')).toEqual([]);
      expect(await found('manga')).toEqual([abacaxi]);
      const r = await store.messages.append({ from: 'beto', to: 'ana', content: 'manga também', clientId: undefined });
      if (r.kind !== 'created') throw new Error(r.kind);
      expect(await found('manga')).toEqual([r.message.seq, abacaxi]);
    } finally {
      await store.close();
    }
  });
});
