import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
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
  private digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** Replaces the keys (rotation: the Lambda handler re-reads them from SSM). Ids follow the new list's order. */
  replace(keys: readonly string[]): void {
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

/**
 * The rate-limit key of an address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 — one subscriber gets a
 * whole /64 and could otherwise rotate through it for a fresh budget on every request.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The key sent as `x-api-key` or `Authorization: Bearer`, undefined when there is none (RFC 6750: a request
 * without our scheme's credentials gets the bare challenge). The same key sent twice counts once; two different
 * keys are no key at all (the empty string never matches).
 */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-api-key'];
  if (direct !== undefined) {
    // Node joins repeated headers with ", "; keys contain no spaces, so the parts are the values sent.
    const parts = (Array.isArray(direct) ? direct.join(', ') : direct).split(', ').map((part) => part.trim());
    return new Set(parts).size === 1 ? (parts[0] ?? '') : '';
  }
  const authorization = headers.authorization;
  if (authorization === undefined) return undefined;
  // Another scheme (Basic…) or `Bearer` without a token: no credentials of ours.
  return BEARER.exec(authorization)?.[1];
}

/**
 * Identifies the client: `key:<n>` for a valid key, otherwise its address. With keys configured, a request to a
 * protected route without a valid key is refused, after the rate limiter has counted it (see app.ts), so guessing
 * keys is rate-limited by address.
 */
export function identifyClient(keys: ApiKeys | null): Middleware<AppState> {
  return async (ctx, next) => {
    const presented = keys ? presentedKey(ctx.req.headers) : undefined;
    const index = presented === undefined || !keys ? -1 : keys.match(presented);
    ctx.state.client =
      index >= 0
        ? { id: `key:${index}`, authenticated: true }
        : {
            // ctx.ip comes from X-Forwarded-For under TRUST_PROXY: only a well-formed address is used as a key.
            id: `ip:${addressKey(isIP(ctx.ip) ? ctx.ip : (ctx.socket.remoteAddress ?? 'unknown'))}`,
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
