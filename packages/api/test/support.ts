import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import type { StaticUpstream } from '../src/testing/static-upstream.js';

export interface TestApi extends RunningServer {
  readonly cacheDir: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

/** Starts the API on 127.0.0.1 (free port) against an upstream, with a fresh cache folder unless one is given. */
export async function startTestApi(upstreamUrl: string, env: Record<string, string> = {}): Promise<TestApi> {
  const cacheDir = env.CACHE_DIR ?? (await mkdtemp(join(tmpdir(), 'vitibrasil-cache-')));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    UPSTREAM_BASE_URL: upstreamUrl,
    UPSTREAM_TIMEOUT_MS: '2000',
    ...env,
    CACHE_DIR: cacheDir,
  });
  const running = await startServer(config);
  return {
    ...running,
    cacheDir,
    get: (path, headers) => fetch(running.url + path, { headers }),
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls until the condition holds (background work such as a stale-while-revalidate refresh). */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Makes the upstream serve `body` in place of `file` (null: as published again); every other file as published. */
export function replaceFile(upstream: StaticUpstream, file: string, body: Buffer | null): void {
  upstream.setFault((requested, _req, res) => {
    if (requested !== file || body === null) return false;
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length }).end(body);
    return true;
  });
}

/** The original returned numbers as text in columns that also held markers or decimal commas; we return numbers. */
export function numbersAsNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(numbersAsNumbers);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersAsNumbers(v)]));
  }
  if (typeof value === 'string' && /^-?\d+(,\d+)?$/.test(value)) return Number(value.replace(',', '.'));
  return value;
}
