// A migration's SQL as a module: its text, and the SHA-256 the migrator records it by (src/db/migrator.ts), worked out
// when the module is built rather than at each start, where hashing would load node:crypto for that alone. The same
// for the bundle (build.mjs) and the sources under test (vitest.config.ts).
import { createHash } from 'node:crypto';

export function sqlModule(text) {
  return `export default ${JSON.stringify(text)};\nexport const sha256 = ${JSON.stringify(createHash('sha256').update(text).digest('hex'))};\n`;
}

/** The esbuild plugin that loads `.sql` files as such modules. */
export const sqlModules = {
  name: 'sql-modules',
  setup(build) {
    build.onLoad({ filter: /\.sql$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      return { contents: sqlModule(await readFile(args.path, 'utf8')), loader: 'js' };
    });
  },
};
