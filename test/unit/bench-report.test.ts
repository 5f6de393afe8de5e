// The HTTP benchmark's rules and its rendering: a figure with any non-2xx answer is void, and rendering touches only
// its own sections of docs/benchmarks.md.
import { describe, expect, it } from 'vitest';
import { compare } from '../../bench/http/compare.js';
import type { LoadResult } from '../../bench/http/load.js';
import { barChart } from '../../bench/report/chart.js';
import { MarkerError, replaceSection } from '../../bench/report/markdown.js';

const run = (ok: number, extra: Partial<LoadResult> = {}): LoadResult => ({
  ok,
  non2xx: 0,
  errors: 0,
  seconds: 1,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  statuses: { '200': ok },
  serverCpuMs: ok / 10,
  ...extra,
});

describe('compare', () => {
  it('is the ratio of 2xx answers per second over every run of each side', () => {
    const c = compare([run(800), run(1000)], [run(1000), run(1000)]);
    expect(c.ratio).toBeCloseTo(0.9);
    expect(c.flagship.runs).toEqual([800, 1000]);
    expect(c.voided).toBeNull();
    expect(c.cpuRatio).toBeCloseTo(1);
  });

  it('compares the CPU each server used per answer, and has no CPU ratio where it could not be read', () => {
    const c = compare([run(1000, { serverCpuMs: 200 })], [run(1000, { serverCpuMs: 100 })]);
    expect(c.flagship.cpuUsPerRequest).toBeCloseTo(200);
    expect(c.cpuRatio).toBeCloseTo(0.5);
    expect(compare([run(1000, { serverCpuMs: null })], [run(1000)]).cpuRatio).toBeNull();
  });

  it('voids the figure when either side answered anything but 2xx, naming the statuses', () => {
    const c = compare([run(900)], [run(1000, { non2xx: 3, statuses: { '200': 1000, '500': 3 } })]);
    expect(c.ratio).toBeNull();
    expect(c.cpuRatio).toBeNull();
    expect(c.voided).toBe('baseline answered 3 non-2xx (3x 500)');
    expect(compare([run(900, { non2xx: 1, statuses: { '401': 1 } })], [run(1000)]).ratio).toBeNull();
  });

  it('voids the figure on connection errors or when a side answered nothing', () => {
    expect(compare([run(900, { errors: 2 })], [run(1000)]).voided).toContain('flagship had 2 connection errors');
    expect(compare([run(900)], [run(0)]).voided).toBe('baseline answered nothing');
  });
});

describe('replaceSection', () => {
  const doc =
    '# Benchmarks\n\nintro\n\n<!-- http-bench:start -->\nold\n<!-- http-bench:end -->\n\n<!-- scaling-bench:start -->\ntheirs\n<!-- scaling-bench:end -->\n';

  it('replaces only the text between its own markers', () => {
    const next = replaceSection(doc, 'http-bench', '## New\n\nfigures');
    expect(next).toContain('<!-- http-bench:start -->\n## New\n\nfigures\n<!-- http-bench:end -->');
    expect(next).not.toContain('old');
    expect(next).toContain('<!-- scaling-bench:start -->\ntheirs\n<!-- scaling-bench:end -->');
    expect(next.startsWith('# Benchmarks\n\nintro\n\n')).toBe(true);
  });

  it('appends a section that is not there yet, markers included', () => {
    const next = replaceSection(doc, 'build-bench', 'build figures');
    expect(next.startsWith(doc.trimEnd())).toBe(true);
    expect(next.endsWith('<!-- build-bench:start -->\nbuild figures\n<!-- build-bench:end -->\n')).toBe(true);
  });

  it('refuses markers that are missing their pair, repeated or out of order', () => {
    expect(() => replaceSection('<!-- x:start -->\n', 'x', 'y')).toThrow(MarkerError);
    expect(() => replaceSection('<!-- x:end -->\n<!-- x:start -->\n', 'x', 'y')).toThrow(MarkerError);
    expect(() => replaceSection('<!-- x:start -->\n<!-- x:start -->\n<!-- x:end -->', 'x', 'y')).toThrow(/each appear once/);
  });
});

describe('barChart', () => {
  it('draws a bar per figure, a void figure as an outline, and the goal and parity lines', () => {
    const svg = barChart(
      't <&>',
      [
        { group: 'a', label: 'GET /x', value: 0.5 },
        { group: 'b', label: 'POST /y', value: null },
      ],
      { goal: 0.8, colors: { a: '#111', b: '#222' } },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('t &lt;&amp;&gt;');
    expect(svg).toContain('0.50x');
    expect(svg).toContain('no figure: void (a non-2xx answer) or not measured');
    expect(svg).toContain('goal (0.8x)');
    expect(svg).toContain('baseline (1.0x)');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});
