import { Agent, request } from 'undici';

export interface UndiciConnection {
  readonly agent: Agent;
  readonly request: typeof request;
}

/**
 * undici's agent for the upstream, in a module of its own so the client can import it at its first fetch
 * (through a local ESM module, which a bundler splits into a chunk with named exports, as Node does).
 */
export function openConnection(timeoutMs: number): UndiciConnection {
  const agent = new Agent({
    connect: { timeout: Math.min(timeoutMs, 5_000) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });
  return { agent, request };
}
