import type { Middleware } from 'koa';

/** Runs `middleware` except for paths matching `skip`. */
export function unless<S>(skip: (path: string) => boolean, middleware: Middleware<S>): Middleware<S> {
  return (ctx, next) => (skip(ctx.path) ? next() : middleware(ctx, next));
}
