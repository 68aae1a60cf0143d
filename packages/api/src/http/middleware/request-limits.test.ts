import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { RequestTimeout, UriTooLong } from '../../errors.js';
import { queryLengthLimit, requestTimeout } from './request-limits.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const context = (querystring = '') => ({ querystring }) as Context;

describe('requestTimeout', () => {
  it('fails with RequestTimeout when the handler runs past the limit', async () => {
    const started = Date.now();
    await expect(requestTimeout(50)(context(), () => sleep(1000))).rejects.toBeInstanceOf(RequestTimeout);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('passes a handler that finishes in time, and its errors, through unchanged', async () => {
    let ran = false;
    await requestTimeout(500)(context(), async () => {
      await sleep(10);
      ran = true;
    });
    expect(ran).toBe(true);
    const failure = new Error('boom');
    await expect(requestTimeout(500)(context(), () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('asks the client to retry after the timeout, rounded up to whole seconds', () => {
    expect(new RequestTimeout(2500).responseHeaders()).toEqual({ 'Retry-After': '3' });
  });
});

describe('queryLengthLimit', () => {
  it('refuses a query string over the limit and lets one at the limit through', async () => {
    await expect(queryLengthLimit(10)(context('a=123456789'), async () => {})).rejects.toBeInstanceOf(
      UriTooLong,
    );
    let passed = false;
    await queryLengthLimit(10)(context('a=12345678'), async () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });
});
