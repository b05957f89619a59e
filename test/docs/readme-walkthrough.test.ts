import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openPromise } from 'yauzl';
import { cleanupAfterEach } from '../support/after-each.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { tempDir } from '../support/server.js';

const run = promisify(execFile);
const README = path.join(import.meta.dirname, '..', '..', 'README.md');

/** The `sh` blocks of one README section, as a person would paste them, in order. */
function shBlocksOf(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const next = markdown.indexOf('\n## ', start + heading.length + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error(`README section "${heading}" has no sh block`);
  return blocks.join('\n');
}

const servers = serverProcessesPerTest();
const defer = cleanupAfterEach();

/**
 * The README's curl walkthrough, run as it is written against the real server (issue #19, item 16): so it
 * cannot drift from the API again. Only the address changes, to the test server's port.
 */
describe('the README curl walkthrough', () => {
  it('when pasted twice into bash against a fresh server, then maria sees delivered and read for the real id both times', async () => {
    const server = await servers.start();
    const dir = await tempDir('papo-readme-');
    defer(() => rm(dir, { recursive: true, force: true }));
    const script = shBlocksOf(await readFile(README, 'utf8'), '## Try it with curl').replaceAll('http://localhost:3000', server.url);
    await writeFile(path.join(dir, 'walkthrough.sh'), `set -eu\n${script}\n`);

    const outputs: string[] = [];
    for (let round = 0; round < 2; round++) {
      const { stdout } = await run('bash', ['walkthrough.sh'], { cwd: dir, timeout: 60_000 });
      outputs.push(stdout);
    }

    for (const [round, out] of outputs.entries()) {
      const lines = out.trim().split('\n');
      const sent = JSON.parse(lines[2] ?? 'null') as { message: { id: string } };
      const id = sent.message.id;
      expect(lines[3], `round ${round}: ID holds the id the send answered`).toBe(id);
      expect(id).not.toBe('1');
      const statuses = lines
        .filter((l) => l.startsWith('{"events"'))
        .flatMap((l) => (JSON.parse(l) as { events: { type: string; id?: string; status?: string }[] }).events)
        .filter((e) => e.type === 'status' && e.id === id)
        .map((e) => e.status);
      expect(statuses, `round ${round}`).toEqual(['delivered', 'read']);
      expect(lines.at(-1), `round ${round}: logout`).toBe('204');
      expect(out, `round ${round}: joao sees maria's display name`).toContain('"displayName":"Maria Silva"');
      expect(out, `round ${round}: the photo's type is read from its bytes`).toContain('"type":"image/png","size":');
      expect(lines, `round ${round}: the message carrying it, and joao's download`).toEqual(
        expect.arrayContaining(['201', '200 image/png']),
      );
      expect(lines, `round ${round}: maria's export`).toContain('200 application/zip');
      // The throwaway account's deletion: maria keeps both messages; a send to it is a 410, its name a 409.
      // The last line with it: maria's whole history, earlier on, holds the first round's too.
      const history = [...lines].reverse().find((l) => l.includes('"content":"tchau!"')) ?? '';
      const kept = (JSON.parse(history || '{"messages":[]}') as { messages: { content: string; deleted?: boolean }[] }).messages;
      expect(
        kept.map((m) => [m.content, m.deleted ?? false]),
        `round ${round}`,
      ).toEqual([
        ['tchau!', false],
        ['ate logo', false],
      ]);
      expect(out, `round ${round}: shown as deleted`).toContain('"deleted":true}');
      const deletion = lines.slice(lines.lastIndexOf(history) - 1, lines.lastIndexOf(history) + 4);
      expect([deletion[0], deletion.at(-2), deletion.at(-1)], `round ${round}: 204, then 410 and 409`).toEqual(['204', '410', '409']);
    }
    // The export it saved is a zip a zip reader opens, with maria's history in it.
    const zip = await openPromise(path.join(dir, 'papo.zip'), { lazyEntries: true });
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: { fileName: string }) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
    expect(names).toEqual(expect.arrayContaining(['README.txt', 'account.json', 'messages.jsonl']));
    // The first round's typing signal reaches joao's held poll (the second may be coalesced into it).
    expect(outputs[0]).toContain('{"type":"typing","from":"maria","seconds":5}');
    expect(outputs[0]).toContain('"created":true');
    expect(outputs[1]).toContain('"created":false');
  }, 120_000);
});
