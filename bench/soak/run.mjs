// npm run soak [-- --duration SECONDS]: mixed load on the prod bundle with replicas for a while (default 5 minutes),
// then a summary: requests served, errors, p99 latency, RSS and pool counts at start and end. Exits non-zero on any
// error, or when memory or pools did not stay flat. Runs through vitest for its TypeScript loading and bundle build.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
let duration = 300;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = arg.startsWith('--duration=') ? arg.slice('--duration='.length) : arg === '--duration' ? args[++i] : undefined;
  if (value === undefined) {
    process.stderr.write(`soak: unknown argument ${JSON.stringify(arg)}; usage: npm run soak -- [--duration SECONDS]\n`);
    process.exit(2);
  }
  duration = Number(value);
  if (!Number.isInteger(duration) || duration < 10 || duration > 3600) {
    process.stderr.write(`soak: --duration ${JSON.stringify(value)} must be a whole number of seconds from 10 to 3600\n`);
    process.exit(2);
  }
}

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', '--config', 'bench/soak/vitest.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SOAK_DURATION_S: String(duration) },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
