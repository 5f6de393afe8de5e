// dist/<variant>/testing.mjs for variants with the testing flag: the Node helper that starts the server.mjs beside it
// for a test suite (src/testing/start-flagship.ts), with its type declarations in testing.d.mts; built as
// builtins-only-entry.mjs builds such a file.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildBuiltinsOnlyEntry } from './builtins-only-entry.mjs';

const SOURCE = 'src/testing/start-flagship.ts';

export async function buildTestingClient({ root, outDir, logLevel = 'warning' }) {
  await buildBuiltinsOnlyEntry({ root, source: SOURCE, outfile: path.join(outDir, 'testing.mjs'), logLevel });
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
