// What a built variant carries, from the metafile the build writes beside it (dist/<variant>/metafile.json): the
// source files that put bytes in the bundle, and the modules it imports at run time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export async function carried(variant: string): Promise<{ files: string[]; imports: string[] }> {
  const meta = JSON.parse(await readFile(path.join(ROOT, 'dist', variant, 'metafile.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }>; imports: Array<{ path: string }> }>;
  };
  const files: string[] = [];
  const imports: string[] = [];
  for (const out of Object.values(meta.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) if (bytesInOutput > 0) files.push(file);
    for (const imp of out.imports) imports.push(imp.path);
  }
  return { files, imports };
}
