// The scaling module's own migration: triggers that tell every instance of a security change (security-position.ts).
// A statement-level trigger on tokens and members, for the columns that decide who may sign in and with which role
// (not last_used_at, written as tokens are used): it NOTIFYs SECURITY_CHANNEL, delivered at commit, and leaves the
// commit notice the router reads with the commit's position. Both are undone if the transaction rolls back.
import { hash } from 'node:crypto';
import type { Migration } from '../db/migrator.js';
import { COMMIT_NOTICE } from './commit-receipts.js';
import { SECURITY_CHANNEL, SECURITY_NOTICE } from './security-position.js';

/** The triggers, by name: the router uses the security position only once they exist. */
export const SECURITY_TRIGGERS = ['flagship_security_tokens', 'flagship_security_members'] as const;

const STATEMENTS = [
  `CREATE OR REPLACE FUNCTION flagship_security_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${SECURITY_CHANNEL}', 'change');
  PERFORM set_config('${COMMIT_NOTICE}', '${SECURITY_NOTICE}', false);
  RETURN NULL;
END
$$`,
  `CREATE TRIGGER flagship_security_tokens AFTER INSERT OR DELETE OR UPDATE OF hash, member_id, org_id, expires_at, revoked_at ON tokens
  FOR EACH STATEMENT EXECUTE FUNCTION flagship_security_change()`,
  `CREATE TRIGGER flagship_security_members AFTER INSERT OR DELETE OR UPDATE OF org_id, role, active ON members
  FOR EACH STATEMENT EXECUTE FUNCTION flagship_security_change()`,
];

export function scalingMigrations(): Migration[] {
  return [{ tag: 'scaling:0001_security_position', hash: hash('sha256', STATEMENTS.join(';\n')), statements: STATEMENTS }];
}
