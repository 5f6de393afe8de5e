// Freezing a server as a network partition or a stalled host looks to its clients: every process of the cluster
// (postmaster and backends) stopped with SIGSTOP, sockets open, nothing answering. Harness-started servers only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { targetFor } from './node-control.js';
import type { PgTopologyInfo } from './types.js';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The postmaster of `name` (first line of its data dir's postmaster.pid) and every process it started. */
export function serverProcesses(info: PgTopologyInfo, name: string): number[] {
  const { target } = targetFor(info, name, 'serverProcesses');
  const pidFile = path.join(target.dataDir, 'postmaster.pid');
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch (error) {
    throw new Error(`serverProcesses: ${pidFile} is unreadable (${(error as Error).message}); is node ${name} running?`);
  }
  if (!Number.isInteger(postmaster) || postmaster <= 0) throw new Error(`serverProcesses: ${pidFile} names no process`);
  const all = [postmaster];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

/** Stops every process of node `name`; returns a function that lets them run again (call it even if a test fails). */
export function freezeNode(info: PgTopologyInfo, name: string): () => void {
  const pids = serverProcesses(info, name);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone meanwhile
      }
    }
  };
}
