import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

/** How the double answers one request: true when the fault answered it, false to serve the file as usual. */
export type Fault = (file: string, req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface StaticUpstream {
  /** Base URL, with trailing slash, to use as UPSTREAM_BASE_URL. */
  readonly url: string;
  /** Requests received per file name. */
  readonly hits: Map<string, number>;
  /** Replace how requests are answered (null: serve files as they are). */
  setFault(fault: Fault | null): void;
  close(): Promise<void>;
}

/**
 * Plays Embrapa's download folder in tests: serves the files of `dir` on 127.0.0.1 (free port), counts requests,
 * and can be told to misbehave. Closing destroys open sockets so stalled responses do not keep it alive.
 */
export async function startStaticUpstream(dir: string): Promise<StaticUpstream> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  let fault: Fault | null = null;
  const server = createServer(async (req, res) => {
    const file = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '');
    hits.set(file, (hits.get(file) ?? 0) + 1);
    if (fault && (await fault(file, req, res))) return;
    try {
      const body = await readFile(join(dir, file.replaceAll('/', '')));
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not Found</body></html>');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/download/`,
    hits,
    setFault(next) {
      fault = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
