// The bundle's changes to dependencies (build/dependency-patches.mjs) and its stand-ins for built-ins required at load
// but used later (build/builtins-as-require.mjs): each patch still finds its text in the dependency installed, a patch
// that does not fails loudly, and a stand-in does what the module it stands for does.
import { AssertionError } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinsAsRequire } from '../../build/builtins-as-require.mjs';
import { DependencyPatchError, TEXT_PATCHES, applyTextPatch, dependencyPatches } from '../../build/dependency-patches.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const scratch = await mkdtemp(path.join(tmpdir(), 'flagship-dependency-patches-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Bundles the module of `lines` as the server bundle is (same plugins, a `require` of its own); resolves with its file. */
async function bundle(name: string, lines: readonly string[]): Promise<string> {
  const entry = path.join(scratch, `${name}-entry.mjs`);
  await writeFile(entry, lines.join('\n'));
  const outfile = path.join(scratch, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    nodePaths: [path.join(ROOT, 'node_modules')],
    plugins: [dependencyPatches, builtinsAsRequire],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

/** The module of `lines`, bundled as the server bundle is, run in this process; resolves with its exports. */
async function bundled(name: string, lines: readonly string[]): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(await bundle(name, lines)).href)) as Record<string, unknown>;
}

describe('dependency patches', () => {
  it.each(TEXT_PATCHES)('$file: the installed dependency holds the text its patch replaces, once', async (patch) => {
    const text = await readFile(path.join(ROOT, 'node_modules', patch.file), 'utf8');
    expect(applyTextPatch(patch, text)).toContain(patch.replace);
  });

  it('fails, naming the file and what to do, when the text is not there once', () => {
    const patch = { file: 'some-dep/lib/x.js', find: 'old()', replace: 'new()' };
    expect(() => applyTextPatch(patch, 'nothing here')).toThrow(DependencyPatchError);
    expect(() => applyTextPatch(patch, 'old(); old()')).toThrow(
      /some-dep\/lib\/x\.js no longer holds the text its patch replaces exactly once \(found more than once\); the dependency changed/,
    );
  });

  it("find-my-way's patched prefix matcher routes as before: static prefixes, parameters, near misses", async () => {
    const { lookup } = await bundled('router', [
      "import Router from 'find-my-way';",
      'const router = Router();',
      "for (const p of ['/v1/projects', '/v1/projects/:id/tasks', '/v1/tasks/:id', '/v1/task-labels', '/healthz']) router.on('GET', p, () => p);",
      'export const lookup = (url) => router.find("GET", url)?.handler() ?? null;',
    ]);
    const find = lookup as (url: string) => string | null;
    expect(find('/v1/projects')).toBe('/v1/projects');
    expect(find('/v1/projects/abc/tasks')).toBe('/v1/projects/:id/tasks');
    expect(find('/v1/tasks/abc')).toBe('/v1/tasks/:id');
    expect(find('/v1/task-labels')).toBe('/v1/task-labels');
    expect(find('/healthz')).toBe('/healthz');
    for (const miss of ['/v1/project', '/v1/projectz', '/v1/tasks', '/v1/task-label', '/healthy', '/v2/projects']) expect(find(miss), miss).toBeNull();
  });

  it('the stand-in for node:assert passes a check that holds without loading it, and throws the real AssertionError for one that fails', async () => {
    const { check, strict } = await bundled('assert', [
      "const assert = require('node:assert');",
      'export const check = (v, m) => assert(v, m);',
      'export const strict = (a, b) => assert.strictEqual(a, b);',
    ]);
    expect((check as (v: unknown, m: string) => unknown)(1, 'fine')).toBeUndefined();
    expect(() => (check as (v: unknown, m: string) => unknown)(0, 'The path could not be empty')).toThrow(AssertionError);
    expect(() => (check as (v: unknown, m: string) => unknown)(false, 'The path could not be empty')).toThrow('The path could not be empty');
    expect(() => (strict as (a: unknown, b: unknown) => unknown)(1, 2)).toThrow(AssertionError);
  });

  it('the stand-in for node:assert names a failed check without a message as one, not by its own line', async () => {
    const { bare } = await bundled('assert-bare', ["const assert = require('node:assert');", 'export const bare = (v) => assert(v);']);
    const fail = () => (bare as (v: unknown) => unknown)(0);
    expect(fail).toThrow(AssertionError);
    expect(fail).toThrow(/a check in a dependency failed/);
    expect(fail).not.toThrow(/Reflect\.apply/);
  });

  it('a stand-in passes writes on to the real module, and an ES import of a built-in offers its non-enumerable exports', async () => {
    const { seenThere, fOk } = await bundled('writes', [
      "import { F_OK } from 'node:fs';",
      "const hooks = require('node:perf_hooks');",
      'hooks.flagshipProbe = 42;',
      "export const seenThere = require('module').createRequire(import.meta.url)('node:perf_hooks').flagshipProbe;",
      'export const fOk = F_OK;',
    ]);
    expect(seenThere).toBe(42);
    expect(fOk).toBe(0);
  });

  it('the stand-in for node:perf_hooks hands over the global performance, and the rest of the module', async () => {
    const { performance, monitor } = await bundled('perf-hooks', [
      "const { performance, monitorEventLoopDelay } = require('node:perf_hooks');",
      'export { performance };',
      'export const monitor = monitorEventLoopDelay;',
    ]);
    expect(performance).toBe(globalThis.performance);
    expect(monitor).toBe((await import('node:perf_hooks')).monitorEventLoopDelay);
  });

  it('pino loads without node:worker_threads, and its own asynchronous destination is still flushed at exit', async () => {
    // In a process of its own: this one (vitest's) has node:worker_threads loaded already.
    const log = path.join(scratch, 'pino.log');
    const file = await bundle('pino', [
      "import { openSync } from 'node:fs';",
      "import pino from 'pino';",
      "const loadedAtLoad = process.moduleLoadList.includes('NativeModule worker_threads');",
      // A descriptor, not a path: a destination opening a path asynchronously is not ready to flush at once. It holds
      // lines until 4 KiB have gathered, so the line is written only by the flush of pino's exit hook.
      `const logger = pino(pino.destination({ dest: openSync(${JSON.stringify(log)}, 'w'), sync: false, minLength: 4096 }));`,
      "logger.info('written before exit');",
      'console.log(JSON.stringify({ loadedAtLoad }));',
      // Exit at once: only pino's exit hook for a main thread's asynchronous destination writes the line now.
      'process.exit(0);',
    ]);
    const { stdout } = await promisify(execFile)(process.execPath, [file]);
    expect(JSON.parse(stdout)).toEqual({ loadedAtLoad: false });
    expect(await readFile(log, 'utf8')).toContain('"msg":"written before exit"');
  });

  it("Fastify's semver, required for later, still checks the version range a plugin declares", async () => {
    const { register } = await bundled('fastify-range', [
      "import Fastify from 'fastify';",
      "import fp from 'fastify-plugin';",
      'export async function register(range) {',
      '  const app = Fastify();',
      "  app.register(fp(async () => {}, { fastify: range, name: 'ranged' }));",
      "  try { await app.ready(); return 'ok'; } catch (err) { return err.code; } finally { await app.close(); }",
      '}',
    ]);
    const withRange = register as (range: string) => Promise<string>;
    expect(await withRange('5.x')).toBe('ok');
    expect(await withRange('4.x')).toBe('FST_ERR_PLUGIN_VERSION_MISMATCH');
  });
});
