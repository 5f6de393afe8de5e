import { OPTIONS, type OptionSpec } from './options.js';

/** The configuration reference as a Markdown table (core and module options); README.md embeds it and a test keeps it current. */
export function optionsTable(moduleOptions: readonly OptionSpec[] = []): string {
  const rows = [...OPTIONS, ...moduleOptions].map((o) => {
    const def = o.default === undefined ? '' : `\`${o.default}\``;
    const scope = o.only ? ` *(${o.only} builds)*` : '';
    return `| \`${o.env}\` | \`--${o.flag}\` | ${def} | ${o.help.replace(/\|/g, '\\|')}${scope} |`;
  });
  return ['| Variable | Option | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
