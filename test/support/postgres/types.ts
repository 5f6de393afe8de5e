// Plain, serialisable descriptions of a topology: vitest hands them from globalSetup to test workers, and every
// control helper works from these alone.

export interface PgNodeInfo {
  name: string;
  role: 'primary' | 'replica';
  url: string;
  port: number;
  dataDir?: string;
}

export interface PgTopologyInfo {
  source: string;
  primary: PgNodeInfo;
  replicas: PgNodeInfo[];
  /** Whether stopNode/startNode can act on these servers (only for servers this harness started itself). */
  controllable: boolean;
  binDir?: string;
  runAsUid?: number;
  runAsGid?: number;
  tempDir?: string;
}

export interface StartedTopology {
  info: PgTopologyInfo;
  close(): Promise<void>;
}
