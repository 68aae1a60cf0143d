import { createHash } from 'node:crypto';
import {
  type CompressionEffort,
  type ContentCoding,
  compress,
  MIN_COMPRESSIBLE_BYTES,
} from './compression.js';

/**
 * A serialized response body with its strong ETag, built once per data version and query. Its gzip and brotli
 * forms are compressed on first demand and kept, so a cached request does no compression work.
 */
export class CachedBody {
  readonly etag: string;
  private readonly encodings = new Map<ContentCoding, Buffer | Promise<Buffer>>();

  constructor(
    readonly body: Buffer,
    readonly contentType: string,
    /** Cursor of the following page, for paginated bodies. */
    readonly nextCursor: string | null = null,
    private readonly effort: CompressionEffort = 'thorough',
    /** SHA-256 of `body`, when it was hashed as it was built. */
    digest: Buffer = createHash('sha256').update(body).digest(),
  ) {
    this.etag = `"${digest.toString('base64url').slice(0, 32)}"`;
  }

  get compressible(): boolean {
    return this.body.length >= MIN_COMPRESSIBLE_BYTES;
  }

  /** Each representation has its own strong validator (RFC 9110 §8.8.3.3). */
  etagFor(coding: ContentCoding | 'identity'): string {
    return coding === 'identity' ? this.etag : `${this.etag.slice(0, -1)}-${coding}"`;
  }

  /** The body in `coding`: a Buffer once compressed, the pending compression the first time. */
  encoded(coding: ContentCoding): Buffer | Promise<Buffer> {
    const known = this.encodings.get(coding);
    if (known) return known;
    const pending = compress(this.body, coding, this.effort).then(
      (bytes) => {
        this.encodings.set(coding, bytes);
        return bytes;
      },
      (error: unknown) => {
        this.encodings.delete(coding); // a later request tries again
        throw error;
      },
    );
    this.encodings.set(coding, pending);
    return pending;
  }
}

export interface CachedBodyOptions {
  readonly nextCursor?: string | null;
  /**
   * `thorough` (default) for bodies served many times per version (legacy documents, the API description);
   * `fast` for query-derived bodies, whose number a client controls: each new query must not cost a
   * thorough compression.
   */
  readonly effort?: CompressionEffort;
}

export function cachedBody(
  content: string | Buffer,
  contentType: string,
  options: CachedBodyOptions = {},
): CachedBody {
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  return new CachedBody(body, contentType, options.nextCursor ?? null, options.effort);
}

// What an entry costs beyond its body: key, object and map overhead. Keeps many tiny bodies within the budget.
const ENTRY_OVERHEAD = 512;
// The identity body plus room for its compressed forms, which for this JSON and CSV are each well under half of it.
const cost = (key: string, body: CachedBody) => body.body.length * 2 + key.length * 2 + ENTRY_OVERHEAD;

/**
 * Least-recently-used map bounded by the memory its entries cost (bodies, keys, overhead). A body being built is
 * shared by the requests asking for it meanwhile: large bodies are built in slices (body-builder.ts), and two
 * requests for one must not build it twice.
 */
export class BodyCache {
  private readonly entries = new Map<string, CachedBody>();
  private readonly building = new Map<string, Promise<CachedBody>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  getOrBuild(key: string, build: () => CachedBody | Promise<CachedBody>): Promise<CachedBody> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return Promise.resolve(hit);
    }
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.keep(key, build);
      this.building.set(key, pending);
    }
    return pending;
  }

  private async keep(key: string, build: () => CachedBody | Promise<CachedBody>): Promise<CachedBody> {
    try {
      const built = await build();
      this.entries.set(key, built);
      this.bytes += cost(key, built);
      for (const [oldKey, old] of this.entries) {
        if (this.bytes <= this.maxBytes || oldKey === key) break;
        this.entries.delete(oldKey);
        this.bytes -= cost(oldKey, old);
      }
      return built;
    } finally {
      this.building.delete(key);
    }
  }
}
