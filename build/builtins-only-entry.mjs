// A small file of dist/<variant>/ beside the server bundle (start.mjs, testing.mjs): one source bundled on its own,
// kept legible, importing only Node built-ins, so a folder that holds the variant has nothing else to resolve and the
// server bundle and its exclusion proof are untouched by it.
import path from 'node:path';

export class BuiltinsOnlyEntryError extends Error {
  name = 'BuiltinsOnlyEntryError';
}

/** Bundles `source` into `outfile`; `options` are esbuild's, added to the common ones. Throws if it imports a package. */
export async function buildBuiltinsOnlyEntry({ root, source, outfile, logLevel = 'warning', options = {} }) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, source)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Read by the people who run or debug it: kept legible.
    minify: false,
    legalComments: 'none',
    logLevel,
    metafile: true,
    // A package stays an import in the output, where the check below finds it, rather than being bundled in silently.
    packages: 'external',
    ...options,
  });
  const foreign = Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports.map((i) => i.path))
    .filter((i) => !i.startsWith('node:'));
  if (foreign.length > 0) throw new BuiltinsOnlyEntryError(`${source} must import only node: built-ins, but imports ${foreign.join(', ')}`);
}
