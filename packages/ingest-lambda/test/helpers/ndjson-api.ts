import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Answers one request; return false to fall through to the dataset's body. */
export type Responder = (dataset: string, req: IncomingMessage, res: ServerResponse) => boolean;

export interface FakeApi {
  readonly url: string;
  /** Request headers received, per dataset, in order. */
  readonly requests: Map<string, IncomingMessage['headers'][]>;
  /** TCP connections accepted so far, and how many are open now. */
  readonly connections: { readonly accepted: number; readonly open: number };
  /** Replace a dataset's NDJSON body. */
  setBody(dataset: string, body: string): void;
  /** Intercept requests (status codes, resets) before the body is served. */
  setResponder(responder: Responder | null): void;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for the API's `GET /v1/datasets/{id}/rows?format=ndjson`: real sockets on 127.0.0.1,
 * free port, bodies set by the test.
 */
export async function startFakeApi(bodies: ReadonlyMap<string, string>): Promise<FakeApi> {
  const current = new Map(bodies);
  const requests = new Map<string, IncomingMessage['headers'][]>();
  const sockets = new Set<Socket>();
  let responder: Responder | null = null;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/v1\/datasets\/([^/]+)\/rows$/.exec(url.pathname);
    const dataset = match?.[1] ?? '';
    if (!match || url.searchParams.get('format') !== 'ndjson') {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"title":"not found"}');
      return;
    }
    requests.set(dataset, [...(requests.get(dataset) ?? []), req.headers]);
    if (responder?.(dataset, req, res)) return;
    const body = current.get(dataset);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"title":"unknown dataset"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' }).end(body);
  });
  let accepted = 0;
  server.on('connection', (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return { accepted, open: sockets.size };
    },
    setBody: (dataset, body) => current.set(dataset, body),
    setResponder: (next) => {
      responder = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
