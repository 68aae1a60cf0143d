/// <reference path="./undici-modules.d.ts" />
import type { Dispatcher, Agent as UndiciAgent } from 'undici';
import request from 'undici/lib/api/api-request.js';
import Agent from 'undici/lib/dispatcher/agent.js';

export interface UndiciConnection {
  readonly agent: UndiciAgent;
  /** A request through the agent: undici's `Dispatcher#request`. */
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

/**
 * undici's agent for the upstream, in a module of its own so the client can import it at its first fetch
 * (through a local ESM module, which a bundler splits into a chunk with named exports, as Node does).
 *
 * Its agent and request modules are imported rather than undici's entry, which loads all of undici (fetch,
 * WebSocket, caches, mocks, proxies: 540 KB bundled against 300 KB for these two, half of it llhttp's WebAssembly
 * as base64) and would cost every cold start's first fetch the time to compile and run it.
 */
export function openConnection(timeoutMs: number): UndiciConnection {
  const agent = new Agent({
    connect: { timeout: Math.min(timeoutMs, 5_000) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });
  return { agent, request: (options) => request.call(agent, options) };
}
