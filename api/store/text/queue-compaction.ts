import type { QueuedMessage } from './queue-index.js';

/** The steps of a compaction, in order: a crash after any of them leaves the old queue or the new one. */
export const COMPACTION_STEPS = ['read', 'written', 'synced', 'renamed', 'folder-synced'] as const;
export type CompactionStep = (typeof COMPACTION_STEPS)[number];

/**
 * A fault-injection seam for the compaction-crash tests (test/faults): called after each step; a hook that
 * throws stops the compaction there, as a crash would. Production passes none, which costs one check a step.
 */
export interface CompactionHooks {
  afterStep?: (step: CompactionStep) => void | Promise<void>;
}

/** A line that a compaction keeps, as the file holds it, with its message. */
export interface KeptLine extends QueuedMessage {
  line: Buffer;
  /** Offset of the delivered flag within `line`. */
  flagInLine: number;
}

/**
 * The lines of `messages` in `file` (the whole of mensagens.txt), in their order. Each message's line is
 * found around its flag byte, not by decoding the file: decoding every line stalled the event loop at each
 * checkpoint, a stall every message in flight waited for (issue #4).
 */
export function keptLines(file: Buffer, messages: readonly QueuedMessage[]): KeptLine[] {
  return messages.map((m) => {
    const start = file.lastIndexOf(LF, m.flagAt) + 1;
    const end = file.indexOf(LF, m.flagAt) + 1;
    // Every flush has ended before a compaction reads the file, so every indexed line is in it: anything else
    // is a bug, and writing the file without that line would lose a message.
    if (m.flagAt < 0 || m.flagAt >= file.length || end === 0)
      throw new Error(`mensagens.txt does not hold message ${m.seq} where the queue has it`);
    return { ...m, line: file.subarray(start, end), flagInLine: m.flagAt - start };
  });
}

const LF = 0x0a;
