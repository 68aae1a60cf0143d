import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { BundledFiles } from './bundle/bundled-files.js';
import { type ApiConfig, readerLimits } from './config.js';
import { createApp } from './http/app.js';
import { ApiKeys } from './http/middleware/api-key.js';
import type { AppState } from './http/middleware/request-context.js';
import {
  type NodeLevelFailure,
  nodeLevelFailure,
  nodeLevelResponse,
  rawNodeLevelResponse,
} from './http/problem.js';
import { createLogger } from './logger.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { IsolatedReader } from './reader/worker/isolated-reader.js';
import { UpstreamClient } from './upstream/client.js';
import { DatasetCache } from './upstream/dataset-cache.js';
import { openStore } from './upstream/open-store.js';

export interface Api {
  readonly app: Koa<AppState>;
  readonly cache: DatasetCache;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  /** The accepted keys, replaceable while running (rotation); null for an open API. */
  readonly keys: ApiKeys | null;
  close(): Promise<void>;
}

/**
 * Wires config → upstream client → cache (restored from CACHE_DIR or CACHE_S3_URI) → Koa app. No socket is opened
 * here: the server and the Lambda handler both start from this. The reader may be given already started (the
 * Lambda handler starts it before loading this module); the Api owns it either way and closes it.
 */
export async function createApi(
  config: ApiConfig,
  logger: Logger = createLogger(config),
  reader: IsolatedReader = new IsolatedReader(readerLimits(config)),
): Promise<Api> {
  const client = new UpstreamClient(config);
  const metrics = new ApiMetrics();
  const store = await openStore(config);
  const cache = new DatasetCache({
    fetcher: client,
    store,
    reader,
    bundled: config.BUNDLED_SNAPSHOT ? new BundledFiles(resolve(config.BUNDLED_SNAPSHOT_DIR)) : null,
    ttlMs: config.CACHE_TTL_SECONDS * 1000,
    rowGuardConfirmations: config.ROW_GUARD_REFRESHES,
    rowGuardConfirmMs: config.ROW_GUARD_CONFIRM_SECONDS * 1000,
    bodyCacheBytes: config.BODY_CACHE_MB * 1024 * 1024,
    logger,
    observer: metrics,
  });
  metrics.watch(cache);
  // Its worker loads while the copies are fetched from the store (or the app is built): the first read is sooner.
  reader.warmUp();
  const restored = await cache.restore();
  logger.info({ restored, store: store.location }, 'cache restored');
  const keys = config.API_KEYS ? new ApiKeys(config.API_KEYS) : null;
  const app = createApp({ config, keys, cache, metrics, logger, upstreamUrl: (file) => client.urlOf(file) });
  return {
    app,
    cache,
    metrics,
    logger,
    keys,
    close: async () => {
      await client.close();
      await reader.close();
      // A refresh past its read may still be writing its copy: the store is closed, and its files left, after it.
      await cache.whenIdle();
      await store.close();
    },
  };
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  readonly api: Api;
  /** Stops accepting connections, lets in-flight requests finish, then releases the upstream client. */
  close(): Promise<void>;
}

export async function startServer(config: ApiConfig, logger?: Logger): Promise<RunningServer> {
  const api = await createApi(config, logger);
  // The HTTP client's modules, which the first upstream fetch would load: compiled now, before anything listens, not
  // on the event loop of a serving process (about 45 ms its probes would wait). A Lambda cold start restoring its
  // copies from S3 never loads them.
  await import('./upstream/undici-connection.js');
  const handle = api.app.callback();
  let closing = false;
  /** The last response started on each socket: what a client error on that socket may concern. */
  const responses = new WeakMap<Duplex, ServerResponse>();
  // A request without Host is answered by Koa like any other, not refused bare by Node. Node checks the header and
  // request deadlines below only every connectionsCheckingInterval (30 s by default): every second, a slow client
  // gets its 408 within about a second of the deadline, not up to 30 s after it.
  const server = createServer(
    { requireHostHeader: false, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      // While shutting down, answers ask keep-alive clients to go, so their sockets close after the response.
      if (closing) res.setHeader('Connection', 'close');
      responses.set(req.socket, res);
      void handle(req, res);
    },
  );
  // Slow clients must not pin sockets forever (slowloris): headers within 10 s, the whole request within 30 s.
  // Handlers are bounded separately by REQUEST_TIMEOUT_MS.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // What Node refuses itself never reaches Koa: answer it as a problem too, and count it.
  const refused = (method: string, failure: NodeLevelFailure) =>
    api.metrics.observeRequest(method, 'unparsed', failure.status, 0);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or closed socket cannot be answered. Nor, as Node's own handler decides, may a socket whose response
    // has started sending headers get another: one in flight, or one sent before its request's announced body
    // arrived (that request then times out). After a request fully received and fully answered, the error is the
    // next request's on a keep-alive connection, which gets its problem document (rather than Node's bare 400).
    const last = responses.get(socket);
    const answering = last?.headersSent === true && !(last.writableFinished && last.req.complete);
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    const failure = nodeLevelFailure(error.code);
    refused('OTHER', failure);
    socket.end(rawNodeLevelResponse(failure, '', randomUUID()));
  });
  // CONNECT (tunnels) never reaches Koa; without a listener Node drops the socket without a word.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const failure = nodeLevelFailure('CONNECT');
    refused('CONNECT', failure);
    socket.end(rawNodeLevelResponse(failure, req.url ?? '', randomUUID()));
  });
  // An Expect other than 100-continue: Node would send a bare 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const failure = nodeLevelFailure('EXPECTATION');
    refused(req.method ?? 'OTHER', failure);
    const { headers, body } = nodeLevelResponse(failure, req.url ?? '', randomUUID());
    res.writeHead(failure.status, headers).end(body);
  });
  // Keep-alive above typical load-balancer idle timeouts.
  server.keepAliveTimeout = 65_000;
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  api.logger.info({ url }, 'listening');
  return {
    url,
    server,
    api,
    async close() {
      closing = true;
      const closed = new Promise<void>((done, fail) =>
        server.close((error) => (error ? fail(error) : done())),
      );
      // server.close closes idle keep-alive sockets once; sockets busy now become idle when their response is
      // done, and would otherwise stay open until keepAliveTimeout.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      try {
        await closed;
      } finally {
        clearInterval(sweep);
      }
      await api.close();
    },
  };
}
