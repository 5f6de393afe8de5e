// startFlagship() from the built dist/dev/testing.mjs: seeding from a file and on request, reset to the seed with
// fresh tokens, a failed start reported with the server's own words, stop, and the leash that stops a server whose
// test process died.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, inject, it } from 'vitest';
import { isAlive } from '../support/postgres/procs.js';
import { waitFor } from '../support/wait.js';

type Client = typeof import('../../src/testing/start-flagship.js');
const client = async (): Promise<Client> => (await import(pathToFileURL(path.join(path.dirname(inject('bundles').dev!), 'testing.mjs')).href)) as Client;

const seed = { org: { name: 'Acme', slug: 'acme' }, members: [{ email: 'ann@acme.example', name: 'Ann', role: 'owner' as const }] };
const me = (url: string, token: string | undefined) => fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('startFlagship', () => {
  it('seeds from a file, seeds more on request, resets to the seed with new tokens, and stops', async () => {
    const { startFlagship } = await client();
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'flagship-seedfile-')), 'seed.json');
    await writeFile(file, JSON.stringify(seed));
    const flagship = await startFlagship({ seed: file });
    try {
      expect(flagship.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const first = flagship.tokens['ann@acme.example'];
      expect((await me(flagship.url, first)).status).toBe(200);

      const other = await flagship.seed({ org: { name: 'Globex', slug: 'globex' }, members: [{ email: 'hank@globex.example', name: 'Hank', role: 'owner' }] });
      const hank = (await (await me(flagship.url, other.tokens['hank@globex.example'])).json()) as { org: { slug: string } };
      expect(hank.org.slug).toBe('globex');

      await flagship.reset();
      expect((await me(flagship.url, first)).status).toBe(401);
      expect((await me(flagship.url, other.tokens['hank@globex.example'])).status).toBe(401);
      expect(flagship.tokens['ann@acme.example']).not.toBe(first);
      expect((await me(flagship.url, flagship.tokens['ann@acme.example'])).status).toBe(200);

      const at = await flagship.clock.set('2031-02-03T04:05:06Z');
      expect(at.toISOString().slice(0, 10)).toBe('2031-02-03');
      expect((await flagship.clock.real()).getFullYear()).toBe(new Date().getFullYear());
    } finally {
      await flagship.stop();
      await flagship.stop();
    }
    await expect(fetch(`${flagship.url}/healthz`)).rejects.toThrow();
  });

  it('reports a server that does not start with what it said', async () => {
    const { startFlagship, FlagshipTestServerError } = await client();
    const failed = startFlagship({ args: ['--body-limit-bytes', '1'] });
    await expect(failed).rejects.toThrow(FlagshipTestServerError);
    await expect(failed).rejects.toThrow(
      /exited \(code 2, signal null\) before it was ready[\s\S]*--- server output ---[\s\S]*--body-limit-bytes="1" is out of range/,
    );
  });

  it.each<Record<string, string>>([{ PORT: '1' }, { HOST: '192.0.2.1' }, { PORT: '1', HOST: '192.0.2.1' }])(
    'starts on a port of its own on 127.0.0.1 with PORT or HOST in its environment (%o), as it always did',
    async (env) => {
      // The client's --port 0 --host 127.0.0.1 win over them (192.0.2.1 is no address of this machine), and no socket
      // is handed over beside them, which the server would refuse.
      const { startFlagship } = await client();
      const flagship = await startFlagship({ env });
      try {
        expect(flagship.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect((await fetch(`${flagship.url}/healthz`)).status).toBe(200);
      } finally {
        await flagship.stop();
      }
    },
  );

  it('lets a test process that forgot stop() end, and its server with it', async () => {
    const testingMjs = pathToFileURL(path.join(path.dirname(inject('bundles').dev!), 'testing.mjs')).href;
    const script = `const { startFlagship } = await import(${JSON.stringify(testingMjs)}); const f = await startFlagship(); console.log(JSON.stringify({ url: f.url, pid: f.pid }));`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = '';
    parent.stdout.on('data', (c: Buffer) => (printed += c.toString()));
    const [code] = await once(parent, 'exit');
    expect(code).toBe(0);
    const { url, pid } = JSON.parse(printed) as { url: string; pid: number };
    const answers = () =>
      fetch(`${url}/healthz`).then(
        () => true,
        () => false,
      );
    await waitFor(`the server at ${url} (pid ${pid}) gone after the process that started it ended`, async () => !(await answers())).catch((err: unknown) => {
      process.kill(pid);
      throw err;
    });
  });

  it('stops the server when the test process that started it dies (kill -9), leaving no temp folder', async () => {
    const testingMjs = pathToFileURL(path.join(path.dirname(inject('bundles').dev!), 'testing.mjs')).href;
    const script = `const { startFlagship } = await import(${JSON.stringify(testingMjs)}); const f = await startFlagship(); console.log(JSON.stringify({ url: f.url, pid: f.pid })); setInterval(() => {}, 1000);`;
    // A temp folder of the parent's own, to see what the start leaves in it.
    const temp = await mkdtemp(path.join(tmpdir(), 'flagship-parent-tmp-'));
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: temp },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { url, pid } = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      parent.stdout.on('data', (c: Buffer) => resolve(JSON.parse(c.toString()) as { url: string; pid: number }));
      parent.on('exit', (code) => reject(new Error(`parent exited ${code}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    parent.kill('SIGKILL');
    // Bounded by a generous deadline, not timed: the server goes once it notices its parent's channel closed.
    const answers = () =>
      fetch(`${url}/healthz`).then(
        () => true,
        () => false,
      );
    await waitFor(`the server at ${url} (pid ${pid}) gone after its parent was killed`, async () => !(await answers())).catch((err: unknown) => {
      process.kill(pid);
      throw err;
    });
    await waitFor(`server ${pid} exited`, () => !isAlive(pid));
    // Nothing but Node's compile cache, which every start of the bundle shares (one entry per bundle and Node version).
    expect(await readdir(temp)).toEqual(['node-compile-cache']);
  });

  it('starts with a compile cache it cannot write, and several servers at once on an empty one that they then share', async () => {
    const { startFlagship } = await client();
    const base = await mkdtemp(path.join(tmpdir(), 'flagship-compile-cache-'));
    // Under a regular file: no folder can be made there, whoever runs the test (root ignores permission bits).
    await writeFile(path.join(base, 'file'), '');
    const unwritable = await startFlagship({ env: { NODE_COMPILE_CACHE: path.join(base, 'file', 'cache') } });
    try {
      expect((await fetch(`${unwritable.url}/healthz`)).status).toBe(200);
    } finally {
      await unwritable.stop();
    }
    const shared = path.join(base, 'shared');
    const servers = await Promise.all(Array.from({ length: 4 }, () => startFlagship({ seed, env: { NODE_COMPILE_CACHE: shared } })));
    try {
      for (const s of servers) expect((await me(s.url, s.tokens['ann@acme.example'])).status).toBe(200);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    const entries = await readdir(shared, { recursive: true, withFileTypes: true });
    expect(entries.filter((e) => e.isFile()).length).toBeGreaterThan(0);
    // A start from the cache they wrote serves like any other.
    const cached = await startFlagship({ seed, env: { NODE_COMPILE_CACHE: shared } });
    try {
      expect((await me(cached.url, cached.tokens['ann@acme.example'])).status).toBe(200);
    } finally {
      await cached.stop();
    }
  });
});

describe('testing.d.mts', () => {
  it('types a TypeScript consumer: right use compiles, a wrong seed does not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flagship-types-'));
    const dev = path.dirname(inject('bundles').dev!);
    for (const file of ['testing.mjs', 'testing.d.mts']) await copyFile(path.join(dev, file), path.join(dir, file));
    const right = `import { startFlagship, type RunningFlagship } from './testing.mjs';
const f: RunningFlagship = await startFlagship({ seed: { org: { name: 'A', slug: 'a' }, members: [{ email: 'a@a.example', name: 'A', role: 'owner' }] } });
const token: string | undefined = f.tokens['a@a.example'];
await f.clock.advance(1000);
await f.reset();
await f.stop();
export { token };
`;
    const wrong = `import { startFlagship } from './testing.mjs';
await startFlagship({ seed: { org: { name: 'A', slug: 'a' }, members: [{ email: 'a@a.example', name: 'A', role: 'emperor' }] } });
`;
    // One program over both files (lib.es2022 only: the declarations need nothing of Node or the DOM).
    const files = { right: path.join(dir, 'right.mts'), wrong: path.join(dir, 'wrong.mts') };
    await writeFile(files.right, right);
    await writeFile(files.wrong, wrong);
    const program = ts.createProgram(Object.values(files), {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
      lib: ['lib.es2022.d.ts'],
    });
    const diagnose = (file: string) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnose(files.right)).toEqual([]);
    expect(diagnose(files.wrong).join('\n')).toMatch(/"emperor"' is not assignable to type 'SeedRole'/);
  });
});
