import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export interface StaticUpstream {
  /** Base URL with a trailing slash, for the API's UPSTREAM_BASE_URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** Plays Embrapa's download folder: serves the files of `dir` by base name on 127.0.0.1 (free port). */
export async function startStaticUpstream(dir: string): Promise<StaticUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const name = path.basename(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    try {
      const body = await readFile(path.join(dir, name));
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
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
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
