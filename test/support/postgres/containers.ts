// PostgreSQL in containers, through @testcontainers/postgresql: a primary and streaming replicas on one container
// network, for machines with a container engine and no PostgreSQL binaries. Replicas clone the primary with
// pg_basebackup over that network and stream from it, as the clusters made from binaries do. The engine owns these
// servers: stopNode/startNode refuse them (`controllable: false`), and testcontainers' reaper removes them if this
// process dies without close().
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import type { StartedNetwork } from 'testcontainers';
import { TEST_DATABASE } from './cluster.js';
import type { PgNodeInfo, StartedTopology } from './types.js';
import { waitForStreaming } from './replication.js';

export const DEFAULT_IMAGE = 'postgres:17-alpine';
const USER = 'postgres';
// Throwaway servers reachable only from this machine's engine, for the length of a test run.
const PASSWORD = 'flagship-test';

/** Settings for speed (the data is thrown away) and for streaming replication to the replicas. */
const SERVER_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'wal_level=replica', 'max_wal_senders=10', 'hot_standby=on'];
const serverArgs = SERVER_SETTINGS.flatMap((s) => ['-c', s]);

/** Run by the image's entrypoint once, after initdb: the replicas connect over the network for replication. */
const ALLOW_REPLICATION = `echo "host replication ${USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"\n`;

/**
 * A replica's whole life in the container: clone the primary (retrying while it is still starting), then run the
 * clone as a standby (`-R` writes primary_conninfo and standby.signal). PGDATA is the image's own data dir.
 */
const REPLICA_SCRIPT = [
  'set -e',
  `until pg_basebackup --host=primary --username=${USER} --pgdata="$PGDATA" --wal-method=stream --write-recovery-conf --checkpoint=fast; do`,
  '  rm -rf "$PGDATA"/*; sleep 1',
  'done',
  'chmod 0700 "$PGDATA"',
  `exec postgres ${serverArgs.join(' ')}`,
].join('\n');

function nodeInfo(container: StartedPostgreSqlContainer, name: string, role: PgNodeInfo['role']): PgNodeInfo {
  const port = container.getPort();
  return { name, role, port, url: `postgres://${USER}:${PASSWORD}@${container.getHost()}:${port}/${TEST_DATABASE}` };
}

/** Starts a primary and `replicas` standbys from `image`; close() stops them and removes their network. */
export async function startContainers(replicas: number, image = DEFAULT_IMAGE): Promise<StartedTopology> {
  // Loaded only on this path: the rest of the harness never needs a container engine's client.
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { Network } = await import('testcontainers');
  const network: StartedNetwork = await new Network().start();
  const started: StartedPostgreSqlContainer[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Replicas first, so none logs a lost primary on its way down.
      for (const container of [...started].reverse()) await container.stop();
      await network.stop();
    })());
  const container = (name: string) =>
    new PostgreSqlContainer(image)
      .withNetwork(network)
      .withNetworkAliases(name)
      .withDatabase(TEST_DATABASE)
      .withUsername(USER)
      .withPassword(PASSWORD)
      .withEnvironment({ PGPASSWORD: PASSWORD });
  try {
    const primary = await container('primary')
      .withCommand(['postgres', ...serverArgs])
      .withCopyContentToContainer([{ content: ALLOW_REPLICATION, target: '/docker-entrypoint-initdb.d/10-allow-replication.sh', mode: 0o755 }])
      .start();
    started.push(primary);
    const replicaNames = Array.from({ length: replicas }, (_, i) => `replica${i + 1}`);
    // One after the other: each clone is a full copy of the primary, and the machine may be small.
    for (const name of replicaNames) started.push(await container(name).withUser(USER).withEntrypoint(['sh', '-c', REPLICA_SCRIPT]).start());
    const info = {
      source: 'testcontainers',
      primary: nodeInfo(primary, 'primary', 'primary'),
      replicas: started.slice(1).map((c, i) => nodeInfo(c, replicaNames[i]!, 'replica')),
      controllable: false,
    };
    await waitForStreaming(info.primary.url, replicas, 60_000);
    return { info, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
