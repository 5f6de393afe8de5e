// The operator's credentials (ADMIN_TOKEN, ADMIN_TOKENS_FILE): checked at start, and kept only as SHA-256 digests so
// every comparison is of two equal-length values, made in constant time (server/operator.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TOKEN_PREFIX } from '../domain/tokens.js';
import { ConfigError } from '../errors.js';

const HASH_LINE = /^(?:sha256:)?([0-9a-f]{64})$/i;

export const sha256 = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** The shortest ADMIN_TOKEN accepted: guessing one must be hopeless even at the failed-authentication limit. */
export const MIN_ADMIN_TOKEN = 32;

/** ADMIN_TOKEN's problem, if any (checked with the rest of the configuration). */
export function adminTokenProblem(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.length < MIN_ADMIN_TOKEN || /\s/.test(token)) {
    return `ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN} characters without spaces; make one with \`openssl rand -hex 32\``;
  }
  if (token.startsWith(TOKEN_PREFIX)) {
    return `ADMIN_TOKEN must not start with \`${TOKEN_PREFIX}\`, the prefix of tenant tokens: an operator credential is never a tenant token; make one with \`openssl rand -hex 32\``;
  }
  return undefined;
}

/**
 * The SHA-256 digests in an ADMIN_TOKENS_FILE: one a line as 64 hex digits (optionally `sha256:` before them), blank
 * lines and `#` comments allowed. A bad line is named by its number, never quoted: the file holds secrets' digests.
 */
export function readAdminTokensFile(file: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`ADMIN_TOKENS_FILE ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a readable file`);
  }
  const hashes: Buffer[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = HASH_LINE.exec(line);
    if (!match) {
      throw new ConfigError(
        `ADMIN_TOKENS_FILE ${file}: line ${i + 1} is not a SHA-256 digest; write one token digest a line as 64 hex digits, ` +
          'e.g. from `printf %s "$TOKEN" | sha256sum`',
      );
    }
    hashes.push(Buffer.from(match[1]!, 'hex'));
  });
  if (hashes.length === 0) throw new ConfigError(`ADMIN_TOKENS_FILE ${file} holds no token digest; add one a line, or unset ADMIN_TOKENS_FILE`);
  return hashes;
}
