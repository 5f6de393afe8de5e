// The test server as another project gets it: the packed tarball (`node build.mjs dev --pack`) installed with npm into
// a new project, from the local file only, then that project's vitest files run there: the README's examples as
// written (a server per file, and one per run through globalSetup) and a suite of our own that seeds, resets, runs two
// servers in parallel and stops them. The project type-checks against the package's own declarations first.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The ```ts blocks of the README's "Test server" section that name their file on the first line (`// test/x.ts`). */
async function readmeFiles(): Promise<Map<string, string>> {
  const markdown = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const start = markdown.indexOf('\n## Test server\n');
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const files = new Map<string, string>();
  for (const [, code] of section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const name = /^\/\/ ([\w./-]+\.ts)\n/.exec(code!)?.[1];
    if (name) files.set(name, code!);
  }
  return files;
}

/** Ours: seed, reset, two servers at once (same slug, separate data), stop; typed through the package's entry. */
const OWN_SUITE = `import { expect, it } from 'vitest';
import { startFlagship, type RunningFlagship, type Seed } from 'flagship-dev/testing';

const seed: Seed = {
  org: { name: 'Acme', slug: 'acme' },
  members: [{ email: 'ann@acme.example', name: 'Ann', role: 'owner' }],
  projects: [{ name: 'Website', key: 'WEB', tasks: [{ title: 'Login fails' }] }],
};
const get = async (f: RunningFlagship, route: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(f.url + route, { headers: { authorization: 'Bearer ' + f.tokens['ann@acme.example'] } });
  return { status: res.status, body: await res.json() };
};

it('seeds, resets, runs two servers in parallel and stops them', { timeout: 120_000 }, async () => {
  const [a, b] = await Promise.all([startFlagship({ seed }), startFlagship({ seed })]);
  try {
    expect(a.url).not.toBe(b.url);
    const project = a.seeded!.projects.WEB!.id;
    const created = await fetch(a.url + '/v1/projects/' + project + '/tasks', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + a.tokens['ann@acme.example'], 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'only on a' }),
    });
    expect(created.status).toBe(201);
    const titles = async (f: RunningFlagship) => (await get(f, '/v1/projects/' + f.seeded!.projects.WEB!.id + '/tasks')).body.items.map((t: { title: string }) => t.title).sort();
    expect(await titles(a)).toEqual(['Login fails', 'only on a']);
    expect(await titles(b)).toEqual(['Login fails']);

    const before = a.tokens['ann@acme.example'];
    await a.reset();
    expect(a.tokens['ann@acme.example']).not.toBe(before);
    expect(await titles(a)).toEqual(['Login fails']);
    const more = await b.seed({ org: { name: 'Globex', slug: 'globex' }, members: [{ email: 'hank@globex.example', name: 'Hank', role: 'owner' }] });
    expect(Object.keys(more.tokens)).toEqual(['hank@globex.example']);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  for (const f of [a, b]) await expect(fetch(f.url + '/healthz')).rejects.toThrow();
});
`;

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, CI: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${command} (${err.message}); it needs to be on PATH`)));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** npm: the one beside this Node when it has one, else the one on PATH (which runs on this Node, first on PATH in run()). */
function npm(): { command: string; args: string[] } {
  const cli = path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
  return existsSync(cli) ? { command: process.execPath, args: [cli] } : { command: 'npm', args: [] };
}

describe('the packed dev build as an npm package in a new project', () => {
  let project: string;
  let tarball: string;

  beforeAll(async () => {
    const { packVariant } = await import('../../build/pack.mjs');
    const dev = path.dirname(inject('bundles').dev!);
    const report = JSON.parse(await readFile(path.join(dev, 'build-report.json'), 'utf8'));
    const out = await mkdtemp(path.join(tmpdir(), 'flagship-tarball-'));
    tarball = await packVariant({ root: ROOT, variant: { name: 'dev' }, report, outDir: out });
    project = await mkdtemp(path.join(tmpdir(), 'flagship-consumer-project-'));
  }, 120_000);

  it('installs from the tarball alone and exposes a bin and the typed testing entry', { timeout: 180_000 }, async () => {
    const { command, args } = npm();
    // As a new project starts: `npm init -y` (a CommonJS package.json on current npm), then the install.
    const init = await run(command, [...args, 'init', '-y'], project);
    expect(init.code, init.output).toBe(0);
    const install = await run(command, [...args, 'install', '--save-dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toMatch(/EBADENGINE|EBADPLATFORM/);
    const manifest = JSON.parse(await readFile(path.join(project, 'node_modules/flagship-dev/package.json'), 'utf8'));
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'flagship-dev', version, engines: { node: expect.any(String) }, os: [process.platform], cpu: [process.arch] });
    const bin = await run(path.join(project, 'node_modules/.bin/flagship-dev'), ['--version'], project);
    expect(bin.code, bin.output).toBe(0);
    expect(bin.output).toContain(`flagship ${version}`);

    // vitest itself is linked in from here: the install above took nothing but the tarball.
    await symlink(path.join(ROOT, 'node_modules/vitest'), path.join(project, 'node_modules/vitest'), 'dir');
    const files = await readmeFiles();
    expect([...files.keys()].sort()).toEqual(['test/flagship.global.ts', 'test/members.test.ts', 'test/projects.test.ts', 'vitest.config.ts']);
    files.set('test/own.test.ts', OWN_SUITE);
    for (const [name, code] of files) {
      await mkdir(path.dirname(path.join(project, name)), { recursive: true });
      await writeFile(path.join(project, name), code);
    }

    // Typed access: the project compiles under --strict against the package's declarations (a wrong one would not).
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          types: [],
          skipLibCheck: true,
        },
        include: ['test', 'vitest.config.ts'],
      }),
    );
    const tsc = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    expect(tsc.code, tsc.output).toBe(0);
    await writeFile(
      path.join(project, 'test/wrong.ts'),
      `import { startFlagship } from 'flagship-dev/testing';\nawait startFlagship({ seed: { org: { name: 'A', slug: 'a' }, members: [{ email: 'a@a.example', name: 'A', role: 'emperor' }] } });\n`,
    );
    const wrong = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    expect(wrong.output).toMatch(/test\/wrong\.ts.*'"emperor"' is not assignable/);
    await rm(path.join(project, 'test/wrong.ts'));

    const vitest = await run(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project], project);
    expect(vitest.code, vitest.output).toBe(0);
    expect(vitest.output).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(vitest.output).toMatch(/Tests\s+3 passed \(3\)/);
  });
});
