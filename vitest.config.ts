import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The default report, then one line per part of the suite that did not run and why (issue #19).
    reporters: ['default', './test/support/skipped-parts-reporter.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          // Each file builds its own app on its own temp folder, so files can run in parallel;
          // bcrypt hashing is real (cost 10), so give slow machines room.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          pool: 'forks',
        },
      },
      {
        // The PWA's unit tests: its DOM-free modules, compiled with pwa/tsconfig.json (the nearest tsconfig, which
        // includes pwa/test) and checked by `npm run typecheck:pwa`. The browser itself is the e2e suite's.
        root: 'pwa',
        test: {
          name: 'pwa',
          include: ['test/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
