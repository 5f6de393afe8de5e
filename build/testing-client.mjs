// dist/<variant>/testing.mjs for variants with the testing flag: the Node helper that starts the server.mjs beside it
// for a test suite (src/testing/start-flagship.ts), with its type declarations in testing.d.mts. It is a file of its
// own, importing only Node built-ins, so the server bundle and its exclusion proof are untouched by it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SOURCE = 'src/testing/start-flagship.ts';

export async function buildTestingClient({ root, outDir, logLevel = 'warning' }) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, SOURCE)],
    outfile: path.join(outDir, 'testing.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Read by the people whose tests use it: kept legible.
    minify: false,
    legalComments: 'none',
    packages: 'external',
    logLevel,
    metafile: true,
  });
  // Only Node built-ins: a project that unpacks dist/dev/ has nothing else to resolve.
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  const foreign = imports.filter((i) => !i.startsWith('node:'));
  if (foreign.length > 0) throw new Error(`${SOURCE} must import only node: built-ins, but imports ${foreign.join(', ')}`);
  await writeFile(path.join(outDir, 'testing.d.mts'), await declarations(root));
}

/** The declarations, from the source alone: its exports carry explicit types, so no program is type-checked. */
async function declarations(root) {
  const ts = (await import('typescript')).default;
  const source = await readFile(path.join(root, SOURCE), 'utf8');
  const { outputText, diagnostics } = ts.transpileDeclaration(source, {
    fileName: SOURCE,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext },
  });
  if (diagnostics?.length) {
    throw new Error(`${SOURCE}: cannot emit declarations: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  }
  return `// Types of testing.mjs (generated from ${SOURCE}).\n${outputText}`;
}
