import { OPTIONS } from './options.js';

/** The configuration reference as a Markdown table; README.md embeds it and a test keeps it current. */
export function optionsTable(): string {
  const rows = OPTIONS.map((o) => {
    const def = o.default === undefined ? '' : `\`${o.default}\``;
    const scope = o.only ? ` *(${o.only} builds)*` : '';
    return `| \`${o.env}\` | \`--${o.flag}\` | ${def} | ${o.help.replace(/\|/g, '\\|')}${scope} |`;
  });
  return ['| Variable | Option | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
