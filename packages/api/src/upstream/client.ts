import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { ApiConfig } from '../config.js';
import { UpstreamHttpError, UpstreamNetworkError, UpstreamTooLarge } from '../errors.js';
import type { UndiciConnection } from './undici-connection.js';

/** Validators from the last good copy, sent so an unchanged file costs the upstream a 304. */
export interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export type UpstreamResponse =
  | {
      readonly status: 200;
      readonly url: string;
      readonly body: Buffer;
      readonly contentType: string | null;
      /** The framing (Content-Length or chunked) let undici prove the body complete. */
      readonly lengthVerified: boolean;
      readonly etag: string | null;
      readonly lastModified: string | null;
    }
  | { readonly status: 304; readonly url: string };

export interface UpstreamFetcher {
  fetchFile(file: string, validators?: Validators): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

type ClientOptions = Pick<
  ApiConfig,
  'UPSTREAM_BASE_URL' | 'UPSTREAM_TIMEOUT_MS' | 'UPSTREAM_RETRIES' | 'UPSTREAM_MAX_BYTES'
>;

const header = (headers: Dispatcher.ResponseData['headers'], name: string): string | null => {
  const value = headers[name];
  return typeof value === 'string' ? value : (value?.[0] ?? null);
};

/**
 * undici client for Embrapa's download folder. One deadline bounds each call, retries included, so a stalled
 * upstream never holds a request longer than UPSTREAM_TIMEOUT_MS. Network errors, 5xx and 429 are retried with
 * exponential backoff and full jitter; other statuses fail at once. Bodies over UPSTREAM_MAX_BYTES are cut off.
 */
export class UpstreamClient implements UpstreamFetcher {
  private connection: Promise<UndiciConnection> | undefined;

  constructor(private readonly options: ClientOptions) {}

  /**
   * undici is imported at the first fetch, not at start: a process serving copies restored from its store
   * (a Lambda cold start) answers without loading it (about 100 ms of a cold start's module loading).
   */
  private connect(): Promise<UndiciConnection> {
    this.connection ??= import('./undici-connection.js').then(({ openConnection }) =>
      openConnection(this.options.UPSTREAM_TIMEOUT_MS),
    );
    return this.connection;
  }

  urlOf(file: string): string {
    return new URL(encodeURIComponent(file), this.options.UPSTREAM_BASE_URL).href;
  }

  async fetchFile(file: string, validators?: Validators): Promise<UpstreamResponse> {
    const url = this.urlOf(file);
    const deadline = AbortSignal.timeout(this.options.UPSTREAM_TIMEOUT_MS);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(url, deadline, validators);
      } catch (error) {
        const retryable =
          error instanceof UpstreamNetworkError || (error instanceof UpstreamHttpError && error.retryable);
        const backoff = Math.random() * 250 * 2 ** attempt;
        const remaining = this.options.UPSTREAM_TIMEOUT_MS - (Date.now() - started);
        if (
          !retryable ||
          attempt >= this.options.UPSTREAM_RETRIES ||
          deadline.aborted ||
          backoff >= remaining
        ) {
          throw error;
        }
        await sleep(backoff);
      }
    }
  }

  private async attempt(
    url: string,
    signal: AbortSignal,
    validators?: Validators,
  ): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {
      'user-agent': 'vitibrasil-api',
      accept: 'text/csv, text/plain, */*',
    };
    if (validators?.etag) headers['if-none-match'] = validators.etag;
    if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
    let response: Dispatcher.ResponseData;
    try {
      const connection = await this.connect();
      const { origin, pathname, search } = new URL(url);
      response = await connection.request({
        origin,
        path: pathname + search,
        method: 'GET',
        headers,
        signal,
      });
    } catch (cause) {
      throw new UpstreamNetworkError(url, { cause });
    }
    const { statusCode, body } = response;
    if (statusCode === 304) {
      await body.dump();
      return { status: 304, url };
    }
    if (statusCode !== 200) {
      await body.dump().catch(() => undefined);
      throw new UpstreamHttpError(url, statusCode);
    }
    const limit = this.options.UPSTREAM_MAX_BYTES;
    const declared = Number(header(response.headers, 'content-length') ?? Number.NaN);
    if (declared > limit) {
      body.destroy();
      throw new UpstreamTooLarge(url, limit);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          body.destroy();
          throw new UpstreamTooLarge(url, limit);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (cause) {
      if (cause instanceof UpstreamTooLarge) throw cause;
      // A body cut short (connection reset, content-length not reached, stall) is a network failure, never data.
      throw new UpstreamNetworkError(url, { cause });
    }
    return {
      status: 200,
      url,
      body: Buffer.concat(chunks, size),
      contentType: header(response.headers, 'content-type'),
      lengthVerified:
        header(response.headers, 'content-length') !== null ||
        (header(response.headers, 'transfer-encoding') ?? '').toLowerCase().includes('chunked'),
      etag: header(response.headers, 'etag'),
      lastModified: header(response.headers, 'last-modified'),
    };
  }

  async close(): Promise<void> {
    if (this.connection) await (await this.connection).agent.close();
  }
}
