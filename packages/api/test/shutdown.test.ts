import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { buildMain, MAIN, startMain } from './child.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, sleep } from './support.js';

describe('graceful shutdown of the process', () => {
  let upstream: StaticUpstream;
  let cacheDir: string;

  beforeAll(async () => {
    // The test runs the compiled entry point; make sure it is current.
    await buildMain();
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    cacheDir = await mkdtemp(join(tmpdir(), 'vitibrasil-shutdown-'));
  }, 120_000);
  afterAll(async () => {
    await upstream.close();
    await removeDir(cacheDir);
  });

  it('on SIGTERM stops accepting, finishes the request in flight (keep-alive client), then exits 0 at once', async () => {
    // Hold the upstream answer so a request is in flight when the signal arrives.
    upstream.setFault(async () => {
      await sleep(1500);
      return false;
    });
    const child = await startMain({ UPSTREAM_BASE_URL: upstream.url, CACHE_DIR: cacheDir });
    // A keep-alive client, as browsers and SDKs are: its idle socket must not hold the shutdown open.
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const inFlight = request(`${child.url}/producaoCSV`, { dispatcher: agent });
      await sleep(300);
      const exited = once(child.process, 'exit');
      const signalled = Date.now();
      child.process.kill('SIGTERM');
      await sleep(200);
      await expect(request(`${child.url}/healthz`, { reset: true })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      const response = await inFlight;
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(await response.body.text())).toHaveProperty('DERIVADOS');
      expect(response.headers.connection).toBe('keep-alive'); // it was in flight before the signal
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      // Not the 10 s force-exit: the idle keep-alive socket was closed once its response was done.
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect(child.logs.some((entry) => entry.msg === 'shutting down' && entry.signal === 'SIGTERM')).toBe(
        true,
      );
    } finally {
      upstream.setFault(null);
      child.process.kill('SIGKILL');
      await agent.close();
    }
  });

  it('exits 78 with a message naming the variable when the configuration is invalid', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', RATE_LIMIT_PER_MINUTE: 'lots' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(stderr).toMatch(/RATE_LIMIT_PER_MINUTE/);
  });
});
