// Renders the sections of docs/benchmarks.md that `npm run bench` owns, each between its own markers
// (`<!-- http-bench:start -->` ... `<!-- http-bench:end -->`), so hand-written text and other sections survive.
import type { BenchResults, Machine } from './results.js';

export class MarkerError extends Error {
  override name = 'MarkerError';
}

/** `doc` with the text between `<!-- name:start -->` and `<!-- name:end -->` replaced; appended when absent. */
export function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 && to === -1) return `${doc.replace(/\n*$/, '\n')}\n${start}\n${body.trim()}\n${end}\n`;
  if (from === -1 || to === -1 || to < from || doc.indexOf(start, from + 1) !== -1) {
    throw new MarkerError(`docs/benchmarks.md: the markers ${start} and ${end} must each appear once, in that order; fix them by hand and run again`);
  }
  return `${doc.slice(0, from + start.length)}\n${body.trim()}\n${doc.slice(to)}`;
}

const num = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (r: number | null) => (r === null ? 'void' : `${r.toFixed(2)}x`);

export function machineLine(m: Machine): string {
  return (
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.postgres ? `PostgreSQL ${m.postgres}, ` : ''}${m.os}; ` +
    `load average ${m.loadAtStart.toFixed(1)} at the start and ${m.loadAtEnd.toFixed(1)} at the end`
  );
}

const DIALECT_TITLE = { sqlite: 'dev on SQLite', postgres: 'prod on PostgreSQL' } as const;

export function renderHttp(results: BenchResults, chartFile: string): string {
  const http = results.http;
  if (!http) return '## The request path against a hand-written server\n\nNot measured in the last run.';
  const s = http.settings;
  const lines = [
    '## The request path against a hand-written server',
    '',
    `Last ${results.mode} run, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${machineLine(results.machine)}.`,
    '',
    `Each bundle runs as a process beside \`bench/baseline/server.ts\`, a small Fastify server on the bare driver doing the`,
    "same work per request (token by its hash with its member, the caller's organization in every query, then the task,",
    `the page or the numbered insert) and nothing else, on the same database. autocannon drives ${s.connections} keep-alive`,
    `connections for ${s.seconds} s per run, the two servers alternating (A/B/A/B, ${s.rounds} runs each, after a ${s.warmupSeconds} s`,
    'warm-up of each) in one process on the same machine, so the ratio is the figure; absolute requests per second move',
    'with whatever else the machine runs. A ratio is void if either side answered anything but 2xx.',
    '',
    '"By CPU" compares the CPU time each server process used per answer (baseline / flagship, from /proc): the work',
    "each does for a request, which the machine's other load moves much less than requests per second. On PostgreSQL it",
    "leaves out the database server's own CPU (each extra query costs it some).",
    '',
    `![flagship / baseline, by requests per second and by CPU per request](${chartFile})`,
    '',
    '| Request | Bundle | flagship req/s | baseline req/s | **flagship / baseline** | CPU µs/req (flagship / baseline) | by CPU | non-2xx (flagship / baseline) | p99 ms (flagship / baseline) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const us = (n: number | null) => (n === null ? '?' : n.toFixed(0));
  for (const c of http.cases) {
    lines.push(
      `| \`${c.title}\` | ${DIALECT_TITLE[c.dialect]} | ${num(c.flagship.perSecond)} | ${num(c.baseline.perSecond)} | **${ratio(c.ratio)}** | ` +
        `${us(c.flagship.cpuUsPerRequest)} / ${us(c.baseline.cpuUsPerRequest)} | ${ratio(c.cpuRatio)} | ` +
        `${c.flagship.non2xx} / ${c.baseline.non2xx} | ${c.flagship.latencyP99Ms} / ${c.baseline.latencyP99Ms} |`,
    );
  }
  for (const [dialect, reason] of Object.entries(http.skipped)) lines.push('', `Not measured on ${dialect}: ${reason}`);
  return lines.join('\n');
}

export function renderBuild(results: BenchResults): string {
  const b = results.build;
  if (!b) return '## The build\n\nNot measured in the last run.';
  const kib = (n: number | undefined) => (n ? `${(n / 1024).toFixed(1)}` : '-');
  const deps = (g: Record<string, number>) =>
    Object.entries(g)
      .filter(([k]) => k.startsWith('dependency:'))
      .reduce((n, [, v]) => n + v, 0);
  const lines = [
    '## The build',
    '',
    `\`node build.mjs\` builds every variant in ${(b.totalMs / 1000).toFixed(2)} s in all (one process, one variant after the other, the`,
    (b.rounds ?? 1) > 1
      ? `exclusion proof included; the fastest of ${b.rounds} rounds, since other work on the machine only adds). Bundle KiB by module group, minified:`
      : 'exclusion proof included; one round). Bundle KiB by module group, minified:',
    '',
    '| Variant | build ms | total KiB | core | dialect:sqlite | dialect:postgres | scaling | enterprise | dependencies |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const v of b.variants) {
    const g = v.groups;
    lines.push(
      `| ${v.name} | ${Math.round(v.ms)} | ${kib(v.bytes)} | ${kib(g.core)} | ${kib(g['dialect:sqlite'])} | ${kib(g['dialect:postgres'])} | ${kib(g.scaling)} | ${kib(g.enterprise)} | ${kib(deps(g))} |`,
    );
  }
  return lines.join('\n');
}

export function renderLayer(results: BenchResults): string {
  const v = results.vitest;
  const lines = ['## The database layer, and the two bundles side by side', ''];
  if (!v || v.groups.length === 0) return [...lines, `Not measured in the last run${v?.skipped ? `: ${v.skipped}` : '.'}`].join('\n');
  lines.push(
    `\`bench/*.bench.ts\` (vitest bench), same run: \`database.bench.ts\` puts our layer beside drizzle and the bare driver,`,
    '`api.bench.ts` the dev bundle beside the prod bundle (one client, so latencies). In `database.bench.ts` and in the audited',
    "creates of `enterprise.bench.ts` the entries of a group ran in 5 interleaved rounds (A, B, C, A, B, C, ...), and the median is of the rounds' medians, so",
    'load that comes and goes on the machine falls on every entry alike; `api.bench.ts` runs its two entries one after the',
    'other. The median time per operation is the steadier figure on a shared machine (the mean, as ops/s, takes every',
    'pause of the machine in). "vs first" compares medians with the group\'s first entry.',
    '',
    '| Group | Implementation | ops/s (mean) | median µs | vs first (median) |',
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (const g of v.groups) {
    const first = g.entries[0];
    for (const e of g.entries) {
      const vs = first && e !== first ? `${(e.medianMs / first.medianMs).toFixed(2)}x` : '';
      lines.push(`| ${e === first ? g.group : ''} | ${e.name} | ${num(e.hz)} | ${(e.medianMs * 1000).toFixed(1)} | ${vs} |`);
    }
  }
  if (v.skipped) lines.push('', v.skipped);
  return lines.join('\n');
}
