// The test server's socket, bound here and handed to it as a file descriptor (its --listen-fd): the server then binds
// nothing itself, which spares each start a few milliseconds (server/listen.ts says which), and the port is free and
// taken before the server starts. Once the child has its copy, this process closes its own; it never accepts a
// connection, since nobody knows the port until the server reports ready.
import net from 'node:net';

export interface HandedSocket {
  /** This process's descriptor of the listening socket: pass it in spawn's stdio. */
  readonly fd: number;
  /** Closes this process's copy (the child's stays open). */
  close(): void;
}

/**
 * A TCP socket listening on 127.0.0.1 at a free port; undefined where this process cannot bind one or Node does not
 * expose its descriptor, and the server binds its own (and says in its own words what is wrong, if anything is).
 */
export async function listeningSocket(): Promise<HandedSocket | undefined> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve(true));
  });
  if (!bound) return undefined;
  // Node keeps the descriptor on the server's handle; a platform or a version without one starts the server the other
  // way (it binds a port itself).
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    server.close();
    return undefined;
  }
  return { fd, close: () => void server.close() };
}
