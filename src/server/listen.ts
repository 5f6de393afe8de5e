// Where the server listens: HOST:PORT, which it binds itself, or a socket it inherited already bound (LISTEN_FD),
// handed over by a supervisor or a test harness (dist/<variant>/testing.mjs binds one for each test server). An
// inherited socket also spares a start its bind: Node resolves a host given as text, even an address, and checks what
// it finds for an IPv6 link-local address with a pattern V8 compiles on first use (about 3 ms of a test server's start).
import { readFileSync, readlinkSync } from 'node:fs';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';

const unset = 'or unset LISTEN_FD to bind HOST:PORT';

/**
 * Why descriptor `fd` cannot be the server's TCP socket, or undefined when it may be (or this system cannot tell: no
 * /proc). Asked before Node is given the descriptor, which would listen on a Unix socket and then have no address to
 * report (a crash in Fastify). A Unix socket is told by its inode in /proc/net/unix, which is short to read; Node
 * itself refuses the other kinds it cannot listen on (a file, a UDP socket). The TCP tables are not read: the kernel
 * walks every bucket of them, about 5 ms. A TCP socket not listening yet is made to, at the address it was bound to.
 */
function notTcpSocket(fd: number): string | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'this process has no such descriptor' : undefined;
  }
  const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
  if (!inode) return `it is ${target.startsWith('/') ? `the file ${target}` : target.replace(/:\[\d+\]$/, '')}, not a socket`;
  let unix: string;
  try {
    unix = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return undefined;
  }
  // The inode is the seventh column; the path after it is anyone's to choose (an abstract name may hold digits).
  return unix.split('\n').some((line) => line.trim().split(/\s+/)[6] === inode) ? 'it is a Unix socket' : undefined;
}

/** What Fastify is shown of an address that is no TCP one while it listens (see `listen`), before the start stops. */
const NO_TCP_ADDRESS = { address: '127.0.0.1', family: 'IPv4', port: 0 };

/** Starts listening; resolves with the URL the server answers on. */
export async function listen(app: FastifyInstance, config: Pick<Config, 'port' | 'host' | 'listenFd'>): Promise<string> {
  const fd = config.listenFd;
  if (fd === undefined) return app.listen({ port: config.port, host: config.host });
  const why = notTcpSocket(fd);
  if (why) throw new ConfigError(`LISTEN_FD=${fd} is no TCP socket: ${why}; hand the server a bound TCP socket as descriptor ${fd}, ${unset}`);
  // A Unix socket the check above cannot see (one made in another network namespace, which this one's
  // /proc/net/unix does not list) is listened on by Node all the same, and has no TCP address. Fastify reads the
  // address as a TCP one the moment the server listens, and would crash on it: while it listens, it is shown a
  // placeholder for such an address, and the start stops below with the reason.
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
    const what = bound ? `the Unix socket ${bound}` : 'a socket with no TCP address (a Unix socket of another network namespace)';
    throw new ConfigError(`LISTEN_FD=${fd} is no TCP socket: it is ${what}; hand the server a bound TCP socket as descriptor ${fd}, ${unset}`);
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
