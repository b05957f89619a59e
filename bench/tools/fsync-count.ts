/**
 * `npm run bench:fsync-count`: fdatasync calls the text store makes per message under concurrent sends and
 * acknowledgements, counted through the store's Disk seam. Unlike latency on a shared machine, this count
 * does not depend on what else the machine is doing.
 */
import { commandLine } from '../lib/cli.js';
import { at } from '../lib/at.js';
import { countingDisk, openBenchStore } from '../lib/counting-disk.js';
import { TOOLS } from './catalog.js';

commandLine(TOOLS['fsync-count'], {}, 0);

const { disk: counting, calls } = countingDisk(['datasync']);

const { store, remove } = await openBenchStore('papo-fsync-', counting);
const users = Array.from({ length: 200 }, (_, i) => `user${i}`);
for (const u of users) await store.users.create({ username: u, passwordHash: 'x' });
const MESSAGES = 5000;
const CONCURRENCY = 32;
calls.clear();
const start = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < MESSAGES) {
      const n = next++;
      const to = at(users, (n * 7 + 1) % users.length);
      const from = at(users, n % users.length);
      if (to === from) continue;
      const { message } = await store.messages.append({ from, to, content: `message ${n}` });
      await store.messages.acknowledge(to, message.seq);
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
await store.close();
const syncs = calls.get('datasync') ?? 0;
console.log(
  `${MESSAGES} sends + acknowledgements, ${CONCURRENCY} at a time: ${syncs} fdatasync calls (${(syncs / MESSAGES).toFixed(2)} a message), ${(MESSAGES / seconds).toFixed(0)} messages/s in-process`,
);
await remove();
