// pg_ctl start/stop for one node, driven only by the serialisable topology info, so any process can do it.
import path from 'node:path';
import { run } from './run-as.js';
import { logTail } from './sql.js';
import type { PgNodeInfo, PgTopologyInfo } from './types.js';

export interface NodeTarget {
  name: string;
  binDir: string;
  dataDir: string;
  logFile: string;
  /** HOME and cwd for the server programs. */
  home: string;
  uid?: number | undefined;
  gid?: number | undefined;
}

export function logFileFor(tempDir: string, name: string): string {
  return path.join(tempDir, 'logs', `${name}.log`);
}

export function targetFor(info: PgTopologyInfo, name: string, action: string): { node: PgNodeInfo; target: NodeTarget } {
  if (!info.controllable || !info.binDir || !info.tempDir) {
    throw new Error(
      `${action}: these PostgreSQL servers come from ${info.source}; the harness did not start them and cannot stop or start them. ` +
        'Tests that stop, start or restart nodes need the harness-started topology: unset TEST_DATABASE_URL (or skip such tests when info.controllable is false).',
    );
  }
  const nodes = [info.primary, ...info.replicas];
  const node = nodes.find((n) => n.name === name);
  if (!node?.dataDir) throw new Error(`${action}: no node named "${name}"; this topology has ${nodes.map((n) => n.name).join(', ')}.`);
  return {
    node,
    target: {
      name,
      binDir: info.binDir,
      dataDir: node.dataDir,
      logFile: logFileFor(info.tempDir, name),
      home: info.tempDir,
      uid: info.runAsUid,
      gid: info.runAsGid,
    },
  };
}

function pgCtl(target: NodeTarget, args: string[], timeoutMs: number): Promise<unknown> {
  return run(path.join(target.binDir, 'pg_ctl'), args, { uid: target.uid, gid: target.gid, home: target.home, timeoutMs });
}

/** Starts the server and returns once it is ready for connections (pg_ctl -w). */
export async function pgCtlStart(target: NodeTarget, timeoutSeconds = 60): Promise<void> {
  try {
    await pgCtl(target, ['start', '-D', target.dataDir, '-l', target.logFile, '-w', '-t', String(timeoutSeconds), '-s'], (timeoutSeconds + 10) * 1000);
  } catch (error) {
    throw new Error(`could not start PostgreSQL node ${target.name}: ${(error as Error).message}${await logTail(target.logFile)}`, { cause: error });
  }
}

export async function pgCtlStop(target: NodeTarget, mode: 'fast' | 'immediate', timeoutSeconds = 60): Promise<void> {
  try {
    await pgCtl(target, ['stop', '-D', target.dataDir, '-m', mode, '-w', '-t', String(timeoutSeconds), '-s'], (timeoutSeconds + 10) * 1000);
  } catch (error) {
    throw new Error(`could not stop PostgreSQL node ${target.name}: ${(error as Error).message}${await logTail(target.logFile)}`, { cause: error });
  }
}
