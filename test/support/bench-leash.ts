// Vitest global setup: when `npm run bench` (bench/run.ts) runs the vitest benches, it starts vitest as the leader of a
// process group of its own, with an IPC channel and FLAGSHIP_BENCH_LEASH set. If the bench goes away, however (a kill
// -9 runs none of its handlers), the channel closes and the whole group is ended here, instead of running the rest of
// the benches unseen. What the benches started goes with it: the bundle servers stop with their own channel to the
// worker that started them (test/support/server-process.ts), the PostgreSQL clusters with their watchdog.
export default function setup(): void {
  if (!process.env.FLAGSHIP_BENCH_LEASH || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(-process.pid, 'SIGTERM'));
}
