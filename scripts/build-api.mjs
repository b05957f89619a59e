#!/usr/bin/env node
// @ts-check
// `node scripts/build-api.mjs`: bundles the server (api/main.ts and every module of api/ it imports) into
// dist/papo.mjs, the file `npm start` runs. Started through tsx instead, each of api/'s modules is compiled as
// it loads and every import passes the loader's hooks: about a second of each start on these machines
// (docs/performance.md, "Start-up"). Packages stay outside the bundle and load from node_modules as they are.
// A source map beside it, so that a stack trace under `node --enable-source-maps` names the .ts lines.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = path.join(ROOT, 'dist', 'papo.mjs');
/** The one module of api/ that may read its own location (api/repo-root.ts says why). */
const ROOT_MODULE = path.join(ROOT, 'api', 'repo-root.ts');

/**
 * A module that found its files through `import.meta.url` would look beside dist/papo.mjs once bundled, and
 * miss them: refuse it here, at build time, rather than let the server fail when it first needs the file.
 * @type {import('esbuild').Plugin}
 */
const oneRootOnly = {
  name: 'one-root-only',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8');
      if (args.path !== ROOT_MODULE && /\bimport\.meta\b/.test(contents)) {
        const file = path.relative(ROOT, args.path);
        return { errors: [{ text: `${file} reads import.meta: find files through REPO_ROOT (api/repo-root.ts) instead` }] };
      }
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Builds dist/papo.mjs (or `outfile` from `entry`, for the build's own tests). Written under a temporary
 * name and renamed, map first, so that a server starting while another build runs (parallel test files, a
 * second `npm start`) always reads a whole bundle.
 */
export async function buildApi({ entry = path.join(ROOT, 'api', 'main.ts'), outfile = BUNDLE } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    sourcemap: 'linked',
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
    plugins: [oneRootOnly],
  });
  await mkdir(path.dirname(outfile), { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.mjs')) - Number(b.path.endsWith('.mjs')));
  for (const file of files) {
    await writeFile(file.path + suffix, file.contents);
    await rename(file.path + suffix, file.path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log('usage: node scripts/build-api.mjs\nBundles api/main.ts into dist/papo.mjs (with its source map), which npm start runs.');
  } else if (process.argv.length > 2) {
    console.error(`build-api: takes no arguments (got ${process.argv.slice(2).join(' ')}); see --help`);
    process.exitCode = 1;
  } else {
    try {
      await buildApi();
    } catch (err) {
      // esbuild's errors carry their own messages; one line each, no stack.
      const errors = /** @type {{ errors?: { text: string }[] }} */ (err).errors;
      const lines = errors?.length ? errors.map((e) => e.text) : [err instanceof Error ? err.message : String(err)];
      console.error(`build-api: could not build the server: ${lines.join('; ')}`);
      process.exitCode = 1;
    }
  }
}
