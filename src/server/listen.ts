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
  // The inode is a column of its own there.
  return new RegExp(`\\s${inode}(\\s|$)`, 'm').test(unix) ? 'it is a Unix socket' : undefined;
}

/** Starts listening; resolves with the URL the server answers on. */
export async function listen(app: FastifyInstance, config: Pick<Config, 'port' | 'host' | 'listenFd'>): Promise<string> {
  const fd = config.listenFd;
  if (fd === undefined) return app.listen({ port: config.port, host: config.host });
  const why = notTcpSocket(fd);
  if (why) throw new ConfigError(`LISTEN_FD=${fd} is no TCP socket: ${why}; hand the server a bound TCP socket as descriptor ${fd}, ${unset}`);
  let address: string;
  try {
    // Node takes `fd` before any host. The host is there for Fastify, which binds more addresses itself for
    // `localhost` (its default), and only then.
    address = await app.listen({ fd, host: '127.0.0.1' } as FastifyListenOptions);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `LISTEN_FD=${fd}: the server cannot listen on that descriptor (${code}); start it with a bound TCP socket as descriptor ${fd}, ${unset}`,
    );
  }
  return address;
}
