// Where the server listens: HOST:PORT, which it binds itself, or a socket it inherited already bound (LISTEN_FD),
// handed over by a supervisor or a test harness (dist/<variant>/testing.mjs binds one for each test server). An
// inherited socket also spares a start its bind: Node resolves a host given as text, even an address, and checks what
// it finds for an IPv6 link-local address with a pattern V8 compiles on first use (about 3 ms of a test server's start).
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import type { Config } from '../config/config.js';
import { ConfigError } from '../errors.js';

const unset = 'or unset LISTEN_FD to bind HOST:PORT';

/** Starts listening; resolves with the URL the server answers on. */
export async function listen(app: FastifyInstance, config: Pick<Config, 'port' | 'host' | 'listenFd'>): Promise<string> {
  const fd = config.listenFd;
  if (fd === undefined) return app.listen({ port: config.port, host: config.host });
  let address: string;
  try {
    // Node takes `fd` before any host. The host is there for Fastify, which binds more addresses itself for
    // `localhost` (its default), and only then.
    address = await app.listen({ fd, host: '127.0.0.1' } as FastifyListenOptions);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `LISTEN_FD=${fd}: the server cannot listen on that descriptor (${why}); start it with a bound TCP socket as descriptor ${fd}, ${unset}`,
    );
  }
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') {
    throw new ConfigError(
      `LISTEN_FD=${fd} is not a TCP socket (${bound === null ? 'it has no address' : `a local socket at ${bound}`}); hand the server a bound TCP socket, ${unset}`,
    );
  }
  return address;
}
