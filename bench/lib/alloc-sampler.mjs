/**
 * Loaded into the server with `--import` by `npm run bench -- --alloc-prof` (bench/lib/server.ts): V8's
 * sampling heap profiler over the server's whole run, counting objects the collector has freed as well, so
 * the profile is what the server allocated (garbage included), by stack, not what it holds at the end. The
 * profile is written to `$PAPO_ALLOC_PROFILE_DIR/Heap.<pid>.heapprofile` when the process exits; read it with
 * `npm run bench:profile-top`. Plain JavaScript: it runs in the bundle's Node as well as under tsx.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.PAPO_ALLOC_PROFILE_DIR;
// The server's workers (the password hashes) load this too: their allocations are not the question.
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  // A sample every 32 KB on average: V8's default, cheap enough not to change the run much.
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 32768,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  // A session on the process's own thread answers synchronously, so this works in 'exit' too.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(path.join(dir, `Heap.${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
