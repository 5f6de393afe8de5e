// `node build.mjs <variant> --pack`: the built folder as one tarball a CI job can download and unpack, named for
// what it runs on (an addon-carrying folder runs only on the platform and Node ABI it was built for).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** What ships: everything the build wrote except the metafile, which only the build's own proof reads. */
const LEFT_OUT = new Set(['metafile.json']);

export function tarballName(variant, version, nativeAddon) {
  const where = nativeAddon
    ? `-${nativeAddon.platform}-${nativeAddon.arch}-${nativeAddon.libc === 'n/a' ? '' : `${nativeAddon.libc}-`}node${nativeAddon.abi}`
    : '';
  return `flagship-${variant}-${version}${where}.tgz`;
}

/** Writes dist/<tarball> holding dist/<variant>/ as the folder flagship-<variant>/; returns its path. */
export async function packVariant({ root, variant, report }) {
  // Loaded here so that a plain build does not pay for it.
  const tar = await import('tar');
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const dir = path.join(root, 'dist', variant.name);
  const files = (await readdir(dir)).filter((f) => !LEFT_OUT.has(f)).sort();
  const file = path.join(root, 'dist', tarballName(variant.name, version, report.nativeAddon));
  await tar.create({ gzip: true, file, cwd: dir, prefix: `flagship-${variant.name}`, portable: true }, files);
  return file;
}
