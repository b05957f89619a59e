/**
 * Rows kept in this process's memory for as long as it hears every change to them. Each change to such a row
 * is announced with a NOTIFY in the transaction that makes it, and the LISTEN connection hands the announcement
 * to `forget` (stream-notifications.ts). While that connection is down, announcements may be lost: nothing is
 * answered from memory, and what was kept is dropped (`listening(false)`), until it is back and caught up.
 *
 * A read that was in flight when any key was forgotten is not kept: it may have seen the row from before the
 * change, and its announcement may already have come and gone. Changes are rare next to reads (a logout
 * against every request of a session), so starting over on any of them costs little.
 *
 * What remains is the time a NOTIFY takes from the commit to another process, a millisecond or two on one
 * machine: for that long, another process can still answer from what it kept. The process that made the change
 * forgets at once.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, V>();
  private trusted = false;
  /** Moves on with every forget and every change of trust: a read started before it is not kept. */
  private generation = 0;

  constructor(
    /** Past this many entries the memory starts over (costing only reads). */
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    return this.trusted ? this.entries.get(key) : undefined;
  }

  /** Taken before a read from the database, and handed to `keep` with what it found. */
  readStarted(): number {
    return this.generation;
  }

  keep(key: string, value: V, startedAt: number): void {
    if (!this.trusted || startedAt !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
  }

  forget(keys: Iterable<string>): void {
    this.generation++;
    for (const key of keys) this.entries.delete(key);
  }

  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The keys whose value `matches`: to forget rows found by something other than their key. */
  keysWhere(matches: (value: V) => boolean): string[] {
    return [...this.entries].filter(([, value]) => matches(value)).map(([key]) => key);
  }

  /** The LISTEN connection is up and caught up (true), or lost or closed (false): either way, start over. */
  listening(on: boolean): void {
    this.generation++;
    this.entries.clear();
    this.trusted = on;
  }
}
