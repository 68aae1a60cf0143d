import type { Middleware } from 'koa';
import type { z } from 'zod';
import { type InvalidParam, InvalidParameter } from '../errors.js';

type RawQuery = Record<string, string | string[] | undefined>;

/** Validates a raw query with a strict zod schema; every problem is reported with the parameter's name. */
export function parseQuery<S extends z.ZodType>(schema: S, raw: RawQuery): z.output<S> {
  const params: InvalidParam[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) params.push({ name, reason: 'must be given at most once' });
  }
  if (params.length) throw new InvalidParameter(params);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) params.push({ name: key, reason: 'is not a parameter of this route' });
    } else {
      params.push({ name: String(issue.path[0] ?? 'query'), reason: issue.message });
    }
  }
  throw new InvalidParameter(params);
}

/**
 * For routes that take no query parameters: any given is a 400 naming it, rather than silently ignored (a
 * misspelt filter must not return unfiltered data). The legacy routes do not use this: the original service
 * ignored query strings, and its clients may still send some.
 */
export function noQueryParameters(): Middleware {
  return async (ctx, next) => {
    if (ctx.querystring !== '') {
      const names = [...new Set(new URLSearchParams(ctx.querystring).keys())];
      // A bare `?` or `?&` carries no parameter.
      if (names.length > 0) {
        throw new InvalidParameter(
          names.map((name) => ({ name, reason: 'is not a parameter of this route' })),
        );
      }
    }
    await next();
  };
}
