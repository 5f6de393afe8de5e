// A plain SVG bar chart of the HTTP ratios: one bar per case and bundle, the parity line (1.0x) and the goal line
// (0.8x) drawn across. Small enough to write by hand, and with no browser or canvas needed to make it.

export interface Bar {
  readonly group: string;
  readonly label: string;
  /** null: the figure is void, drawn as an empty outline. */
  readonly value: number | null;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function barChart(title: string, bars: readonly Bar[], options: { goal: number; colors: Record<string, string> }): string {
  const left = 400;
  const plot = 360;
  const row = 22;
  const top = 48;
  const height = top + bars.length * row + 40;
  const width = left + plot + 70;
  const max = Math.max(1.2, ...bars.map((b) => b.value ?? 0)) * 1.05;
  const x = (v: number) => left + (v / max) * plot;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  let legend = 10;
  for (const [name, color] of Object.entries(options.colors)) {
    out.push(`<rect x="${legend}" y="28" width="10" height="10" fill="${color}"/><text x="${legend + 14}" y="37">${esc(name)}</text>`);
    legend += 14 + name.length * 7 + 20;
  }
  bars.forEach((b, i) => {
    const y = top + i * row;
    out.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    const color = options.colors[b.group] ?? '#888';
    if (b.value === null) {
      out.push(`<rect x="${left}" y="${y + 4}" width="${plot}" height="${row - 8}" fill="none" stroke="#c00" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${left + 6}" y="${y + 15}" fill="#c00">no figure: void (a non-2xx answer) or not measured</text>`);
    } else {
      out.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(b.value) - left).toFixed(1)}" height="${row - 8}" fill="${color}"/>`);
      out.push(`<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + 15}">${b.value.toFixed(2)}x</text>`);
    }
  });
  const bottom = top + bars.length * row;
  for (const [v, label, dash] of [
    [1, 'baseline (1.0x)', ''],
    [options.goal, `goal (${options.goal}x)`, ' stroke-dasharray="5 4"'],
  ] as const) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 2}" x2="${x(v).toFixed(1)}" y2="${bottom + 2}" stroke="#333"${dash}/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${esc(label)}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top - 2}" x2="${left}" y2="${bottom + 2}" stroke="#333"/>`);
  out.push(`<text x="${left}" y="${bottom + 32}" font-size="11">requests per second, flagship / hand-written baseline (longer is better)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
