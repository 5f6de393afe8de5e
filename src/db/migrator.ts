// Applies drizzle-kit's generated migrations. We run them ourselves rather than through drizzle's migrators so that
// they are embedded in the bundle (dist/prod runs with no source tree beside it), each one runs in its own
// transaction and is recorded by tag and hash, and a changed, already-applied migration is refused instead of being
// silently skipped.
export interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

export interface Migration {
  readonly tag: string;
  readonly hash: string;
  readonly statements: string[];
}

/** What a migration run did: the tags it applied now, and how many it found already applied. */
export interface MigrationReport {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

/** What a dialect supplies to the migrator. */
export interface MigrationTarget {
  /** Creates the bookkeeping table if missing. */
  ensureTable(): Promise<void>;
  /** Tag -> hash of every applied migration. */
  applied(): Promise<Map<string, string>>;
  /**
   * Runs the statements and records the migration in one transaction; returns false when another process applied
   * it first (Postgres serialises migrators with an advisory lock and re-checks inside it).
   */
  apply(migration: Migration): Promise<boolean>;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** A migration's `.sql` file as imported: its text, and the SHA-256 of that text, worked out at build time (src/sql.d.ts). */
export interface SqlFile {
  readonly default: string;
  readonly sha256: string;
}

/** Turns the journal and the SQL file of each entry into migrations, in journal order. */
export async function loadMigrations(journal: Journal, load: (tag: string) => Promise<SqlFile>): Promise<Migration[]> {
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  const out: Migration[] = [];
  for (const { tag } of entries) {
    const { default: sql, sha256 } = await load(tag);
    const statements = sql
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    out.push({ tag, hash: sha256, statements });
  }
  return out;
}

export async function runMigrations(migrations: Migration[], target: MigrationTarget, onApplied?: (tag: string, ms: number) => void): Promise<MigrationReport> {
  await target.ensureTable();
  const done = await target.applied();
  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const m of migrations) {
    const hash = done.get(m.tag);
    if (hash !== undefined) {
      if (hash !== m.hash) {
        throw new MigrationError(
          `migration ${m.tag} was applied with different contents (recorded hash ${hash.slice(0, 12)}, file ${m.hash.slice(0, 12)}); never edit an applied migration: revert the file and add a new one with \`npm run db:generate\``,
        );
      }
      alreadyApplied += 1;
      continue;
    }
    const started = performance.now();
    try {
      if (await target.apply(m)) {
        applied.push(m.tag);
        onApplied?.(m.tag, performance.now() - started);
      } else {
        alreadyApplied += 1;
      }
    } catch (err) {
      throw new MigrationError(`migration ${m.tag} failed and was rolled back; the database is as it was before it: ${(err as Error).message}`, { cause: err });
    }
  }
  return { applied, alreadyApplied };
}
