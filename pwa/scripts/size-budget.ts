import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * Fails the build when the JavaScript the first screen downloads reaches `limitKb` gzipped (issue #3: a phone on
 * a slow network must get the UI fast). Counts the entry chunks and everything they import statically; lazy
 * chunks (dynamic imports) load later and are not counted.
 */
export function sizeBudget(limitKb: number): Plugin {
  return {
    name: 'papo:size-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, string>();
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk') chunks.set(file.fileName, file.code);
      }
      const firstScreen = new Set<string>();
      const visit = (fileName: string): void => {
        if (firstScreen.has(fileName)) return;
        firstScreen.add(fileName);
        const file = bundle[fileName];
        if (file?.type === 'chunk') file.imports.forEach(visit);
      };
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk' && file.isEntry) visit(file.fileName);
      }
      let bytes = 0;
      for (const fileName of firstScreen) bytes += gzipSync(chunks.get(fileName) ?? '', { level: 9 }).length;
      const kb = bytes / 1024;
      const figure = `${kb.toFixed(1)} KB gzipped in ${firstScreen.size} file(s), budget ${limitKb} KB`;
      if (kb >= limitKb) this.error(`first-screen JS is over budget: ${figure}`);
      console.log(`\n  first-screen JS: ${figure}\n`);
    },
  };
}
