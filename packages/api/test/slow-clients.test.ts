import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

/** A raw connection to the API, recording when each chunk arrived. */
async function open(api: TestApi): Promise<{ socket: Socket; chunks: Array<{ at: number; text: string }> }> {
  const { hostname, port } = new URL(api.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const chunks: Array<{ at: number; text: string }> = [];
  socket.on('data', (chunk: Buffer) => chunks.push({ at: Date.now(), text: chunk.toString('latin1') }));
  socket.on('error', () => undefined); // a reset after the server gives up on the client is expected
  return { socket, chunks };
}

// Node enforces these deadlines (10 s for headers, 30 s for the whole request), so the tests take that long; they
// run side by side.
describe.concurrent('clients too slow to send their request', () => {
  let upstream: StaticUpstream;
  let api: TestApi;
  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    api = await startTestApi(upstream.url);
  });
  afterAll(async () => {
    await api.close();
    await removeDir(api.cacheDir);
    await upstream.close();
  });

  it('headers not complete within 10 s: 408 within about a second of the deadline', async () => {
    const { socket, chunks } = await open(api);
    const sent = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: api\r\n'); // the blank line that ends the headers never comes
    await once(socket, 'close');
    const [first] = chunks;
    expect(first?.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(first?.text).toContain('"code":"CLIENT_TIMEOUT"');
    const after = (first?.at ?? 0) - sent;
    expect(after).toBeGreaterThanOrEqual(10_000);
    expect(after).toBeLessThan(12_500); // Node's own check ran every 30 s: up to 40 s
  }, 45_000);

  it('a request answered before its announced body arrives gets no second response when it times out', async () => {
    const { socket, chunks } = await open(api);
    socket.write('GET /healthz HTTP/1.1\r\nHost: api\r\nContent-Length: 100000000\r\n\r\n');
    await once(socket, 'close'); // the server gives up on the body at the 30 s request deadline
    const received = chunks.map((chunk) => chunk.text).join('');
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(received).not.toContain('408');
  }, 45_000);
});
