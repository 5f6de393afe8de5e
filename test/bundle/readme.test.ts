// The README's walk-throughs, run as written: every ```sh block of its "## The API" section, in order, in one bash,
// against a fresh dist/dev server on an empty folder (what `npm start` gives a newcomer); then the same followed by
// every block of "## Enterprise", in the same shell, against a fresh dist/dev-enterprise server. Any failing command
// fails the run (`set -e`, and the examples use `curl -fsS`), and each status an example prints on purpose must be
// the one its `# -> NNN` comment promises. (The other sections' blocks install, test, or need a PostgreSQL host.)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = path.join(ROOT, 'README.md');

/** The ```sh blocks of one `## ` section of a Markdown text, in order. */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function has(program: string): boolean {
  try {
    execFileSync(program, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tools = ['bash', 'curl'].filter((p) => !has(p));
if (tools.length > 0)
  console.warn(`test/bundle/readme.test.ts skipped: the README's examples need ${tools.join(' and ')}, not found on PATH (apt-get install ${tools.join(' ')})`);

/** Runs the blocks in order in one bash, in `cwd`, pointed at `url`. */
function runBlocks(blocks: string[], cwd: string, url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = ['set -euo pipefail', ...blocks].join('\n');
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // The examples call `node`: the one running this test, whatever PATH says.
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
      FLAGSHIP_URL: url,
      // `audit verify` logs on stderr; only its warnings matter here.
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectRan(run: { code: number | null; stdout: string; stderr: string }, blocks: string[]): void {
  expect(run.code, `the README's examples failed:\n${run.stderr}\n--- output ---\n${run.stdout}`).toBe(0);
  expect(run.stderr).toBe('');
  const promised = [...blocks.join('\n').matchAll(/# -> (\d{3})$/gm)].map((m) => m[1]);
  const printed = run.stdout.split('\n').filter((l) => /^\d{3}$/.test(l));
  expect(promised.length).toBeGreaterThan(0);
  expect(printed).toEqual(promised);
}

describe.runIf(tools.length === 0)("README's API examples", () => {
  const blocks = shellBlocks(readFileSync(README, 'utf8'), 'The API');
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'flagship-readme-'));
    server = await startServer(inject('bundles').dev!, { cwd: dir });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the examples: signup, project, task, filtered list, If-Match, comments and members', () => {
    const all = blocks.join('\n');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const route of ['/v1/signup', '/v1/projects', '/tasks?status=', 'if-match', '/comments', '/v1/members']) expect(all).toContain(route);
  });

  it('runs them in order, as written, against a fresh dev server', async () => {
    expectRan(await runBlocks(blocks, dir, server.url), blocks);
  });
});

describe.runIf(tools.length === 0)("README's API and enterprise examples in one shell", () => {
  const markdown = readFileSync(README, 'utf8');
  const enterprise = shellBlocks(markdown, 'Enterprise: custom roles and the audit trail');
  const blocks = [...shellBlocks(markdown, 'The API'), ...enterprise];
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    // What the README has the reader do: the dev-enterprise build served from the repository on its default database,
    // which `node dist/dev-enterprise/server.mjs audit verify` then opens from the same folder.
    dir = mkdtempSync(path.join(tmpdir(), 'flagship-readme-enterprise-'));
    symlinkSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), 'dir');
    server = await startServer(path.join(dir, 'dist', 'dev-enterprise', 'server.mjs'), { cwd: dir });
    await server.ready();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds them: roles, grants, permissions, the audit trail and its verification', () => {
    const all = enterprise.join('\n');
    for (const part of ['/v1/roles', '/grants', '/permissions', '/v1/audit?', 'audit verify']) expect(all).toContain(part);
    // One session: the enterprise examples use what the API examples defined, nothing of their own making.
    expect(all).not.toMatch(/\$TOKEN|\$MEMBER\b|localhost:3000/);
  });

  it('runs them in order, as written, against a fresh dev-enterprise server', async () => {
    const run = await runBlocks(blocks, dir, server.url);
    expectRan(run, blocks);
    // The grant took: Carol, a viewer, may now write tasks in the project, and says where that comes from.
    expect(run.stdout).toMatch(/"task:write"/);
    expect(run.stdout).toMatch(/"action":"task\.create"/);
  });
});
