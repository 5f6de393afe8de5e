// Where the server listens: HOST:PORT, which it binds itself, or a socket it inherited already bound (LISTEN_FD),
// handed over by a supervisor or a test harness (dist/<variant>/testing.mjs binds one for each test server). An
// inherited socket also spares a start its bind: Node resolves a host given as text, even an address, and checks what
// it finds for an IPv6 link-local address with a pattern V8 compiles on first use (about 3 ms of a test server's start).
import { readlinkSync } from 'node:fs';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';

const unset = 'or unset LISTEN_FD to bind HOST:PORT';

/**
 * Why descriptor `fd` cannot be the server's socket, or undefined when it may be (or this system cannot tell: no
 * /proc): no such descriptor, or no socket at all (a file, a pipe), read from this process's own descriptor table.
 * Node itself refuses the sockets it cannot listen on (UDP); a Unix socket it listens on is refused once listening
 * (see `listen`). A TCP socket not listening yet is made to, at the address it was bound to.
 */
function notASocket(fd: number): string | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'this process has no such descriptor' : undefined;
  }
  if (/^socket:\[\d+\]$/.test(target)) return undefined;
  return `it is ${target.startsWith('/') ? `the file ${target}` : `a ${target.replace(/:\[\d+\]$/, '')}`}, not a socket`;
}

/** What Fastify is shown of an address that is no TCP one while it listens (see `listen`), before the start stops. */
const NO_TCP_ADDRESS = { address: '127.0.0.1', family: 'IPv4', port: 0 };

/** Starts listening; resolves with the URL the server answers on. */
export async function listen(app: FastifyInstance, config: Pick<Config, 'port' | 'host' | 'listenFd'>): Promise<string> {
  const fd = config.listenFd;
  if (fd === undefined) return app.listen({ port: config.port, host: config.host });
  const why = notASocket(fd);
  if (why) throw new ConfigError(`LISTEN_FD=${fd} is no TCP socket: ${why}; hand the server a bound TCP socket as descriptor ${fd}, ${unset}`);
  // Node listens on a Unix socket as readily as on a TCP one. Which it is shows once it listens: a Unix socket has
  // no TCP address (none at all, or its path). Nothing read before listening tells it reliably: /proc/net/unix lists
  // this network namespace's Unix sockets alone, with paths anyone may choose, newlines included. Fastify reads the
  // address as a TCP one the moment the server listens, and would crash on none: while it listens, it is shown a
  // placeholder for that, and the start stops below.
  const server = app.server;
  const real = server.address.bind(server);
  let shown = false;
  server.address = () => real() ?? ((shown = true), NO_TCP_ADDRESS);
  let address: string;
  try {
    // Node takes `fd` before any host. The host is there for Fastify, which binds more addresses itself for
    // `localhost` (its default), and only then.
    address = await app.listen({
      fd,
      host: '127.0.0.1',
      // Fastify's line as it writes it, but for the placeholder's address, which is no address of ours.
      listenTextResolver: (url: string) => (shown ? `LISTEN_FD=${fd} has no TCP address; stopping` : `Server listening at ${url}`),
    } as FastifyListenOptions);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `LISTEN_FD=${fd}: the server cannot listen on that descriptor (${code}); start it with a bound TCP socket as descriptor ${fd}, ${unset}`,
    );
  } finally {
    delete (server as { address?: unknown }).address;
  }
  const bound = server.address();
  if (bound === null || typeof bound === 'string') {
    await app.close();
    // Node knows no path for a Unix socket it was handed as a descriptor: it has no address at all then.
    throw new ConfigError(
      `LISTEN_FD=${fd} is no TCP socket: it is a Unix socket${bound ? ` (${bound})` : ''}; hand the server a bound TCP socket as descriptor ${fd}, ${unset}`,
    );
  }
  // A socket bound to the wildcard address, or never bound (listening binds it there, on a port of the system's
  // choosing), takes connections on every interface: said, since HOST's default is 127.0.0.1.
  if (bound.address === '0.0.0.0' || bound.address === '::')
    app.log.warn(
      { address: bound.address, port: bound.port },
      `LISTEN_FD=${fd}: listening on every interface (${bound.address}, port ${bound.port}): the socket was bound to the wildcard address, or not bound at all; bind it to the one address to serve on if that is not what you meant`,
    );
  return address;
}
