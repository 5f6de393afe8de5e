// `node build.mjs <variant> --pack`: the built folder as an npm package tarball, named for what it runs on (an
// addon-carrying folder runs only on the platform and Node ABI it was built for). `npm install ./<tarball>` installs
// it as `flagship-<variant>`: the server as its `bin` and `./server`, and for a variant with the testing flag the test
// client as `./testing` with its types. Untarred, it is the same folder a CI job can run with Node alone.
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What ships: everything the build wrote except the metafile, which only the build's own proof reads. */
const LEFT_OUT = new Set(['metafile.json']);
/** Written into the package beside the build's files. */
const BIN = 'bin.mjs';

export function tarballName(variant, version, nativeAddon) {
  const runtime = nativeAddon?.napi ? `napi${nativeAddon.napi}` : `node${nativeAddon?.abi}`;
  const where = nativeAddon ? `-${nativeAddon.platform}-${nativeAddon.arch}-${nativeAddon.libc === 'n/a' ? '' : `${nativeAddon.libc}-`}${runtime}` : '';
  return `flagship-${variant}-${version}${where}.tgz`;
}

/**
 * The package's manifest. `engines`, `os`, `cpu` and `libc` say where the addon inside loads (a Node-API addon on every
 * Node we support; one built per ABI only on its Node major, one ABI per major), so npm refuses the install elsewhere
 * instead of the server failing at start.
 */
export function packageManifest({ variant, version, nativeAddon, testing }) {
  const name = `flagship-${variant}`;
  const major = nativeAddon && !nativeAddon.napi ? /^v?(\d+)\./.exec(nativeAddon.node)?.[1] : undefined;
  return {
    name,
    version,
    description: `flagship, a multi-tenant issue-tracker API server: the "${variant}" build${testing ? ', with a client that starts it as a test server (./testing)' : ''}`,
    license: 'MIT',
    type: 'module',
    bin: { [name]: `./${BIN}` },
    exports: {
      './server': './server.mjs',
      ...(testing ? { './testing': { types: './testing.d.mts', default: './testing.mjs' } } : {}),
      './build-report.json': './build-report.json',
      './package.json': './package.json',
    },
    engines: { node: major ? `^${major}.0.0` : '>=22' },
    ...(nativeAddon ? { os: [nativeAddon.platform], cpu: [nativeAddon.arch], ...(nativeAddon.libc === 'n/a' ? {} : { libc: [nativeAddon.libc] }) } : {}),
  };
}

/**
 * Writes <outDir>/<tarball> holding dist/<variant>/ and its package.json as the folder flagship-<variant>/; returns
 * its path. `outDir` defaults to dist/.
 */
export async function packVariant({ root, variant, report, outDir = path.join(root, 'dist') }) {
  // Loaded here so that a plain build does not pay for it.
  const tar = await import('tar');
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const dir = path.join(root, 'dist', variant.name);
  const built = (await readdir(dir)).filter((f) => !LEFT_OUT.has(f));
  const testing = built.includes('testing.mjs');
  const manifest = packageManifest({ variant: variant.name, version, nativeAddon: report.nativeAddon, testing });
  // Staged in a folder of its own: dist/<variant>/ stays what the build wrote (a package.json there would make Node
  // read the folder as a package), and the server bundle with its source map stays as built and proven.
  const stage = await mkdtemp(path.join(tmpdir(), `flagship-pack-${variant.name}-`));
  try {
    for (const f of built) await copyFile(path.join(dir, f), path.join(stage, f));
    // Through start.mjs, which keeps V8's code of the bundle between starts (src/start/start.ts).
    await writeFile(path.join(stage, BIN), "#!/usr/bin/env node\nimport './start.mjs';\n", { mode: 0o755 });
    await writeFile(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    const file = path.join(outDir, tarballName(variant.name, version, report.nativeAddon));
    await tar.create({ gzip: true, file, cwd: stage, prefix: `flagship-${variant.name}`, portable: true }, (await readdir(stage)).sort());
    return file;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
