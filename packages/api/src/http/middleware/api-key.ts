import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { Unauthorized } from '../../errors.js';
import type { AppState } from './request-context.js';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * The configured API keys, held only as SHA-256 digests. A presented key is hashed and compared with every
 * digest in constant time, without stopping at a match: neither the key's length nor its position in the list
 * changes the time taken.
 */
export class ApiKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** Index of the matching key (a stable, non-secret client id), or -1. */
  match(presented: string): number {
    const candidate = digest(presented);
    let found = -1;
    this.digests.forEach((known, index) => {
      if (timingSafeEqual(known, candidate) && found === -1) found = index;
    });
    return found;
  }
}

/** Who is calling, as far as rate limiting and access control are concerned. */
export type ClientIdentity =
  | { readonly id: string; readonly authenticated: true }
  | { readonly id: string; readonly authenticated: false; readonly rejected: 'missing' | 'invalid' };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The key sent as `x-api-key` or `Authorization: Bearer`, or undefined when neither is present. */
function presentedKey(header: (name: string) => string): string | undefined {
  const direct = header('x-api-key');
  if (direct !== '') return direct.trim();
  const authorization = header('authorization');
  if (authorization === '') return undefined;
  return BEARER.exec(authorization)?.[1] ?? '';
}

/**
 * Identifies the client: `key:<n>` for a valid key, otherwise its address. With keys configured, a request to a
 * protected route without a valid key is refused, after the rate limiter has counted it (see app.ts), so guessing
 * keys is rate-limited by address.
 */
export function identifyClient(keys: ApiKeys | null): Middleware<AppState> {
  return async (ctx, next) => {
    const presented = keys ? presentedKey((name) => ctx.get(name)) : undefined;
    const index = presented === undefined || !keys ? -1 : keys.match(presented);
    ctx.state.client =
      index >= 0
        ? { id: `key:${index}`, authenticated: true }
        : {
            id: `ip:${ctx.ip}`,
            authenticated: false,
            rejected: presented === undefined ? 'missing' : 'invalid',
          };
    await next();
  };
}

/** Refuses unauthenticated requests when API keys are configured. */
export function requireApiKey(): Middleware<AppState> {
  return async (ctx, next) => {
    const { client } = ctx.state;
    if (!client.authenticated) throw new Unauthorized(client.rejected);
    await next();
  };
}
