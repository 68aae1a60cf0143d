import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CachedBody, type CachedBodyOptions } from './cached-body.js';

/** Text gathered before it is encoded and hashed (characters). */
const CHUNK_CHARS = 1 << 16;
/** Bytes hashed at once when whole byte arrays are written. */
const BYTES_SLICE = 1 << 20;
/**
 * Longest the builder keeps the event loop before letting it turn: whole results of a file at the limits are tens of
 * megabytes, whose serialization, encoding and hashing in one go stalled probes for 0.2–0.4 s.
 */
const SLICE_MS = 8;

/**
 * Builds a large body in slices, so that other requests are answered while it is built: text is encoded and hashed
 * (for the ETag) as it comes, and `pause()`, called between parts, yields to the event loop once a slice's time has
 * passed. The body is still whole once built (it is cached, and compressed off the event loop).
 */
export class BodyBuilder {
  private readonly chunks: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private pending: string[] = [];
  private pendingChars = 0;
  private sliceStart = performance.now();

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= CHUNK_CHARS) this.flush();
  }

  /** Bytes already serialized (JSON from the reader's worker), hashed a slice at a time. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    this.flush();
    const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let start = 0; start < whole.length; start += BYTES_SLICE) {
      this.push(whole.subarray(start, start + BYTES_SLICE));
      await this.pause();
    }
  }

  /** Lets the event loop turn if this slice has taken its time. Cheap: call it every few hundred parts. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }

  finish(contentType: string, options: CachedBodyOptions = {}): CachedBody {
    this.flush();
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    return new CachedBody(body, contentType, options.nextCursor ?? null, options.effort, this.hash.digest());
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.push(Buffer.from(this.pending.join('')));
    this.pending = [];
    this.pendingChars = 0;
  }

  private push(chunk: Buffer): void {
    this.hash.update(chunk);
    this.chunks.push(chunk);
  }
}
