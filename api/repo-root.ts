import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root, where the server finds what it ships beside its code: openapi.yaml, migrations/,
 * pwa/dist, the list of common passwords and the hash worker. The only module that looks at its own
 * location: this file is api/repo-root.ts, and `npm start` runs the server bundled into dist/papo.mjs
 * (scripts/build-api.mjs), both one folder below the root, so the one rule holds for both, and the build
 * refuses any other module of api/ that reads `import.meta`.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
