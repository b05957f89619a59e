/**
 * The benchmark's tools: programs for one question each, beside the scenarios of `npm run bench`. Each runs
 * as `npm run bench:<name>` (package.json); `npm run bench -- --help` lists them from here, and bench/run.ts
 * refuses to start when a file in bench/tools/ is missing from this list or from package.json.
 * What each measures and how to read its figures: bench/README.md.
 */
export interface Tool {
  usage: string;
  about: string;
}

export const TOOLS = {
  'fsync-count': {
    usage: 'npm run bench:fsync-count',
    about: 'fdatasync calls the text store makes a message under 32 concurrent sends and acknowledgements (in-process).',
  },
  'store-cpu': {
    usage: 'npm run bench:store-cpu -- [messages=20000] [runs=3]',
    about: "main-thread CPU a message of the text store alone, and its file operations a message: throughput's load without HTTP.",
  },
  'store-start': {
    usage: 'npm run bench:store-start -- [queued=1000000] [runs=3]',
    about: 'wall-clock, CPU and RSS of opening a text-store folder with that many undelivered queued messages (in-process).',
  },
  'search-latency': {
    usage: 'npm run bench:search-latency -- [lines=1000000] [runs=20]',
    about: "the text store's search on one history of that many messages: the index build, then first-page latency (in-process).",
  },
  'search-latency-pg': {
    usage: 'DATABASE_URL=... npm run bench:search-latency-pg -- [lines=1000000] [runs=20]',
    about: "PostgreSQL's search on one user's rows: the GIN index's build time and size, then first-page latency.",
  },
  'migrate-memory': {
    usage: 'npm run bench:migrate-memory -- [lines=1000000]',
    about: 'time and peak RSS of migrate-data importing one history of that many messages into PostgreSQL, then exporting it back.',
  },
  'export-memory': {
    usage: 'npm run bench:export-memory -- [lines=200000] [--postgres]',
    about:
      'peak RSS while GET /api/account/export writes the zip of one history of that many messages (text store or PostgreSQL, in-process).',
  },
  'poll-heap': {
    usage: 'npm run bench:poll-heap -- [polls=2000] [rows=30]',
    about: "what one held long-poll keeps in the server's JavaScript heap, by kind of object (two heap snapshots).",
  },
  'token-cost': {
    usage: 'npm run bench:token-cost -- [answers=20000] [runs=5]',
    about: 'what opaque ids and cursors add to a poll answer of 1, 10 and 100 events: sequence numbers against tokens.',
  },
  count: {
    usage:
      'npm run bench:count -- [messages=200] [runs=1] [--warmup 2000] [--servers papo,floor,floor-receipts,floor-work,faye] [--keep DIR]',
    about:
      "instructions a delivered message under valgrind (callgrind), one message at a time: a counted figure the machine's load does not move.",
  },
  syscalls: {
    usage:
      'npm run bench:syscalls -- [messages=2000] [rate=500] [runs=1] [--servers papo,floor,floor-receipts,floor-work,faye] [--json FILE]',
    about:
      "system calls a delivered message under deliver's users and polls at a fixed open-loop rate (perf stat on the server's syscall tracepoints, every thread): the kernel's side, which bench:count does not see.",
  },
  'profile-top': {
    usage: 'npm run bench:profile-top -- <file.cpuprofile | file.heapprofile> [n=30] [--inclusive] [--callers <function>] [--busy <ms>]',
    about:
      'where the server spent its time or what it allocated, from a profile of `npm run bench -- --cpu-prof` or `--alloc-prof`: self time or bytes by function and by file.',
  },
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;
