import type { ModuleOptions } from '../config/module-options.js';
import { OPTIONS, type OptionSpec } from '../config/options.js';
import type { Feature } from '../features/feature.js';
import { variant, variantPhrase } from '../variant.js';

/** A core option is shown where the build carries its dialect; a module's wherever the module is compiled in. */
const carried = (only: string | undefined) => only === undefined || !(only === 'sqlite' || only === 'postgres') || variant.dialects.includes(only);

/** `modules`: the option declarations of the modules (the loader, src/features.ts); `features` add their commands. */
export function helpText(modules: readonly ModuleOptions[] = [], features: readonly Feature[] = []): string {
  const commands = features.flatMap((f) => f.commands ?? []).flatMap((c) => c.help.map((line) => `  ${line}`));
  const moduleOptions: OptionSpec[] = modules.filter((m) => !m.absent).flatMap((m) => m.options);
  const rows = [...OPTIONS.filter((o) => carried(o.only)), ...moduleOptions].map((o) => {
    const left = `  --${o.flag} <${o.type === 'bool' ? 'true|false' : o.type === 'enum' ? o.values?.join('|') : o.type === 'port' || o.type === 'int' ? 'n' : 'value'}>`;
    return `${left.padEnd(44)} ${o.help}\n${' '.repeat(45)}env ${o.env}${o.default !== undefined ? `, default ${o.default}` : ''}`;
  });
  return `flagship ${variant.version} (${variantPhrase()})

Usage: server.mjs [command] [options]

Commands:
  serve      run the HTTP server (default)
  migrate    apply pending database migrations and exit
${commands.map((l) => `${l}\n`).join('')}
Options (each also read from the environment variable shown; the option wins):
${rows.join('\n')}
  --help                                       show this help
  --version                                    print the variant, its flags and features, and exit

HTTP: the API under /v1 (OpenAPI document at /v1/openapi.json; start with POST /v1/signup),
      GET /healthz (what this build is), GET /readyz (503 until the database answers), GET /metrics (Prometheus)
`;
}
