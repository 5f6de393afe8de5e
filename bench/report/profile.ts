// Reads a V8 CPU profile (node --cpu-prof) of a minified bundle and says where the time went, in source terms:
// each sample's frame is mapped back through the bundle's source map, then self time is summed per source file
// (a dependency counts as one package) and per function.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byPlace: Array<{ place: string; ms: number; share: number }>;
  readonly byFunction: Array<{ fn: string; ms: number; share: number }>;
}

/** node_modules/<pkg>/... as the package, src/... as the file, everything else as it is. */
function placeOf(source: string): string {
  const nm = source.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/');
    // drizzle-orm's own source maps point one level up, at its TypeScript (node_modules/src/<file>.ts): name the
    // file, since which part of drizzle (query building, the session, result mapping) is the useful part.
    if (parts[0] === 'src') return `drizzle-orm/${parts.slice(1).join('/')}`;
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = source.indexOf('src/');
  return src !== -1 ? source.slice(src) : source;
}

export function summariseProfile(file: string, bundle: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
  const bundleName = path.basename(bundle);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let place: string;
    let fn: string;
    if (url.endsWith(bundleName)) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number; name?: string };
      place = entry.originalSource ? placeOf(entry.originalSource) : 'bundle (unmapped)';
      fn = `${entry.name ?? (functionName || '(anonymous)')} ${place}:${(entry.originalLine ?? 0) + 1}`;
    } else {
      // Node's own code, the engine, GC, idle.
      place = url ? (url.startsWith('node:') ? url : placeOf(url)) : `(${functionName || 'native'})`;
      fn = `${functionName || '(anonymous)'} ${place}`;
    }
    const ms = hits * msPerSample;
    total += ms;
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, ms]) => ({ [key]: k, ms, share: ms / total }) as { [P in K]: string } & { ms: number; share: number });
  return { totalMs: total, byPlace: rank(byPlace, 'place'), byFunction: rank(byFunction, 'fn') };
}
