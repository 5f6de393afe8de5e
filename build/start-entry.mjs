// dist/<variant>/start.mjs: the entry that starts the server.mjs beside it with V8's code cache (src/start/start.ts).
// A file of its own, importing only Node built-ins, given the bundle's banner and content hash; the server bundle and
// its exclusion proof are untouched by it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinsAsRequire } from './builtins-as-require.mjs';
import { buildBuiltinsOnlyEntry } from './builtins-only-entry.mjs';

const SOURCE = 'src/start/start.ts';

export class StartEntryError extends Error {
  name = 'StartEntryError';
}

export async function buildStartEntry({ root, outDir, banner, logLevel = 'warning' }) {
  const bundle = await readFile(path.join(outDir, 'server.mjs'), 'utf8');
  // start.ts replaces exactly this line; a bundle that starts otherwise would be run as something it is not.
  if (!bundle.startsWith(`${banner}\n`)) {
    throw new StartEntryError(
      `${path.join(outDir, 'server.mjs')} does not start with the banner line start.mjs replaces; keep the banner on a line of its own (build.mjs)`,
    );
  }
  await buildBuiltinsOnlyEntry({
    root,
    source: SOURCE,
    outfile: path.join(outDir, 'start.mjs'),
    logLevel,
    options: {
      // Built-ins through `require`, as in the bundle: an ESM import of node:fs builds its facade, which reads every
      // export once (fs.promises, the stream classes) and costs a few milliseconds of each start.
      plugins: [builtinsAsRequire],
      banner: { js: "import { createRequire as __flagshipCreateRequire } from 'node:module'; const require = __flagshipCreateRequire(import.meta.url);" },
      define: { __BUNDLE__: JSON.stringify({ banner, hash: createHash('sha256').update(bundle).digest('hex').slice(0, 16) }) },
    },
  });
}
