import { createHash } from 'node:crypto';

/** A serialized response body with its strong ETag, built once per data version and query. */
export interface CachedBody {
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType: string;
  /** Cursor of the following page, for paginated bodies. */
  readonly nextCursor: string | null;
}

export function cachedBody(
  content: string | Buffer,
  contentType: string,
  nextCursor: string | null = null,
): CachedBody {
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  return { body, etag, contentType, nextCursor };
}

// What an entry costs beyond its body: key, object and map overhead. Keeps many tiny bodies within the budget.
const ENTRY_OVERHEAD = 512;
const cost = (key: string, body: CachedBody) => body.body.length + key.length * 2 + ENTRY_OVERHEAD;

/** Least-recently-used map bounded by the memory its entries cost (bodies, keys, overhead). */
export class BodyCache {
  private readonly entries = new Map<string, CachedBody>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  getOrBuild(key: string, build: () => CachedBody): CachedBody {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const built = build();
    this.entries.set(key, built);
    this.bytes += cost(key, built);
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes || oldKey === key) break;
      this.entries.delete(oldKey);
      this.bytes -= cost(oldKey, old);
    }
    return built;
  }
}
