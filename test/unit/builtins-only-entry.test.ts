// start.mjs and testing.mjs sit beside the server bundle and must import nothing but Node built-ins
// (build/builtins-only-entry.mjs): a package imported by their sources fails the build, whichever of them it is in.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuiltinsOnlyEntryError, buildBuiltinsOnlyEntry } from '../../build/builtins-only-entry.mjs';

const root = await mkdtemp(path.join(tmpdir(), 'flagship-builtins-only-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function build(name: string, text: string): Promise<void> {
  await writeFile(path.join(root, `${name}.ts`), text);
  await buildBuiltinsOnlyEntry({ root, source: `${name}.ts`, outfile: path.join(root, `${name}.mjs`), logLevel: 'silent' });
}

describe('an entry that may import only Node built-ins', () => {
  it('builds from built-ins and files of its own', async () => {
    await writeFile(path.join(root, 'helper.ts'), 'export const twice = (n: number) => n * 2;\n');
    await expect(
      build('plain', "import { readFileSync } from 'node:fs';\nimport { twice } from './helper';\nconsole.log(twice(readFileSync.length));\n"),
    ).resolves.toBeUndefined();
  });

  it('fails the build on a package, named in the error', async () => {
    const err = await build('foreign', "import pino from 'pino';\nconsole.log(pino);\n").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuiltinsOnlyEntryError);
    expect((err as Error).message).toMatch(/foreign\.ts must import only node: built-ins, but imports pino/);
  });
});
