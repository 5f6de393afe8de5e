// A schema change without regenerated migrations fails here: drizzle-kit generates into a scratch copy of each
// migrations folder and must find nothing to do. Fix with `npm run db:generate`.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

// The core's schema per dialect, and each module's own.
const SCHEMAS = ['src/db/sqlite', 'src/db/postgres', 'src/enterprise/sqlite', 'src/enterprise/postgres'];

describe.each(SCHEMAS)('%s migrations', (folder) => {
  it('are current with the schema', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), `flagship-migrations-${folder.replace(/\//g, '-')}-`));
    await cp(path.join(ROOT, folder, 'migrations'), scratch, { recursive: true });
    const before = (await readdir(scratch)).sort();
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'node_modules/drizzle-kit/bin.cjs'), 'generate', '--config', `${folder}/drizzle.config.ts`],
      {
        cwd: ROOT,
        // drizzle-kit takes `out` relative to the project.
        env: { ...process.env, MIGRATIONS_OUT: path.relative(ROOT, scratch) },
      },
    );
    const after = (await readdir(scratch)).sort();
    expect(after, `schema changed without new migrations; run \`npm run db:generate\`\n${stdout}`).toEqual(before);
    expect(stdout).toMatch(/No schema changes, nothing to migrate/);
  });
});
