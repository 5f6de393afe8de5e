// Two builds started in one folder without DATABASE_URL keep their data apart: dev in data/flagship.db, dev-enterprise
// in data/flagship-dev-enterprise.db (before, both opened data/flagship.db and the enterprise one migrated dev's file
// with its own tables). And the `flagship listening` line names the variant once: a JSON line with a key twice is
// read differently by different log pipelines.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, inject, it } from 'vitest';
import { startServer } from '../support/server-process.js';

it('dev and dev-enterprise in one folder each open a default file of their own', async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), 'flagship-two-builds-'));
  const dev = await startServer(inject('bundles').dev!, { cwd });
  const enterprise = await startServer(inject('bundles')['dev-enterprise']!, { cwd });
  try {
    await Promise.all([dev.ready(), enterprise.ready()]);
    const devFile = path.join(cwd, 'data', 'flagship.db');
    const enterpriseFile = path.join(cwd, 'data', 'flagship-dev-enterprise.db');
    expect(existsSync(devFile)).toBe(true);
    expect(existsSync(enterpriseFile)).toBe(true);
    const tables = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
      } finally {
        db.close();
      }
    };
    // The enterprise module's tables are in its own file only.
    expect(tables(enterpriseFile)).toContain('audit_records');
    expect(tables(devFile)).not.toContain('audit_records');
  } finally {
    await Promise.all([dev.stop(), enterprise.stop()]);
  }
  for (const server of [dev, enterprise]) {
    const listening = server.output.find((l) => l.includes('flagship listening on'));
    expect(listening, server.output.join('\n')).toBeDefined();
    expect(listening!.match(/"variant":/g)).toHaveLength(1);
  }
});
