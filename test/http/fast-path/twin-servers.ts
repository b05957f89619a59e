import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../api/app.js';
import { cleanupAfterEach } from '../../support/after-each.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/server.js';

/**
 * One Papo server, and beside it the same app built without the fast path (`createApp(deps, { fastPath:
 * false })`: send and poll as Express routes behind the generic middleware), on the same store, sessions,
 * messaging and hub: a cookie from one works on the other, and the same request can go to both.
 */
export interface TwinServers {
  server: TestServer;
  /** The server as it runs in production: send and poll on the fast path. */
  fast: string;
  /** The reference: every request through the Express app. */
  reference: string;
  /** Stops both; the data stays. */
  stop(): Promise<void>;
}

/** Listens with `listener` beside `server`, over TLS when it does; returns the URL and how to stop it. */
async function listenBeside(server: TestServer, listener: RequestListener): Promise<{ url: string; stop(): Promise<void> }> {
  const { TLS_CERT, TLS_KEY } = server.config;
  const tls = TLS_CERT && TLS_KEY ? { cert: await readFile(TLS_CERT), key: await readFile(TLS_KEY) } : undefined;
  const twin: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => twin.listen(0, '127.0.0.1', resolve));
  const { port } = twin.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async stop() {
      if (!twin.listening) return;
      twin.closeAllConnections();
      await new Promise((resolve) => twin.close(resolve));
    },
  };
}

/**
 * Twin servers for a test file's tests, each pair stopped (and its data removed) after the test that started
 * it. Call once, at the top of the file.
 */
export function twinServers(): {
  start(options?: Omit<TestServerOptions, 'app'>): Promise<TwinServers>;
  /** Stops `twins` and starts another pair on their data, with `options` added. */
  restart(twins: TwinServers, options?: Omit<TestServerOptions, 'app'>): Promise<TwinServers>;
} {
  const defer = cleanupAfterEach();
  const start = async (options: Omit<TestServerOptions, 'app'> = {}) => {
    let reference: RequestListener | undefined;
    const server = await startTestServer({
      ...options,
      app: (deps) => {
        reference = createApp(deps, { fastPath: false });
        return createApp(deps);
      },
    });
    defer(() => server.destroy());
    if (reference === undefined) throw new Error('startServer did not build its app');
    const twin = await listenBeside(server, reference);
    defer(() => twin.stop());
    const stop = async () => {
      await twin.stop();
      await server.stop();
    };
    return { server, fast: server.url, reference: twin.url, stop };
  };
  return {
    start,
    async restart(twins, options = {}) {
      await twins.stop();
      const { server } = twins;
      return start({
        store: server.store,
        dataDir: server.dataDir,
        ...(server.databaseUrl ? { databaseUrl: server.databaseUrl } : {}),
        ...options,
      });
    },
  };
}
