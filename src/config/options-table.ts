import type { ModuleOptions } from './module-options.js';
import { OPTIONS } from './options.js';

/**
 * The configuration reference as a Markdown table: the core's options, then each module's (`modules`, from the
 * loader); README.md embeds it and a test keeps it current.
 */
export function optionsTable(modules: readonly ModuleOptions[] = []): string {
  const rows = [...OPTIONS, ...modules.filter((m) => !m.absent).flatMap((m) => m.options)].map((o) => {
    const def = o.default === undefined ? '' : `\`${o.default}\``;
    const scope = o.only ? ` *(${o.only} builds)*` : '';
    return `| \`${o.env}\` | \`--${o.flag}\` | ${def} | ${o.help.replace(/\|/g, '\\|')}${scope} |`;
  });
  return ['| Variable | Option | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
