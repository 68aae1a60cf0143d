import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CachedBody, type CachedBodyOptions } from './cached-body.js';

/** Text gathered before it is encoded and hashed (characters). */
const CHUNK_CHARS = 1 << 16;
/** Bytes hashed, or copied, at once. */
const BYTES_SLICE = 1 << 20;
/**
 * Longest the builders together keep the event loop before letting it turn: whole results of a file at the limits
 * are tens of megabytes, whose serialization, encoding and hashing in one go stalled probes for 0.2–0.4 s.
 */
const SLICE_MS = 8;

/**
 * The slice is shared by every builder of the process: each counting its own, twenty builders resumed in the same
 * turn of the loop held it for twenty slices (0.4 s). The first to resume in a turn starts its slice; whoever finds
 * it spent waits for the next turn.
 */
const slice = { start: performance.now(), nextTurn: null as Promise<void> | null };

/** Resolves once the shared slice has time left, letting the event loop turn as often as needed for that. */
async function sliceTime(): Promise<void> {
  while (performance.now() - slice.start >= SLICE_MS) {
    slice.nextTurn ??= nextTurn().then(() => {
      slice.nextTurn = null;
      slice.start = performance.now();
    });
    await slice.nextTurn;
  }
}

/**
 * Builds a large body in slices, so that other requests are answered while it is built: text is encoded and hashed
 * (for the ETag) as it comes, `pause()`, called between parts, yields to the event loop once the slice's time has
 * passed, and the parts are copied into one body in slices too. The body is whole once built (it is cached, and
 * compressed off the event loop).
 */
export class BodyBuilder {
  private readonly chunks: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private pending: string[] = [];
  private pendingChars = 0;

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

  /** Lets the event loop turn if the slice has taken its time. Cheap: call it every few hundred parts. */
  pause(): Promise<void> {
    return sliceTime();
  }

  async finish(contentType: string, options: CachedBodyOptions = {}): Promise<CachedBody> {
    this.flush();
    let body: Buffer;
    if (this.chunks.length === 1) body = this.chunks[0] as Buffer;
    else {
      // One copy of 50 MB took 35 ms: the parts are copied a slice at a time.
      body = Buffer.allocUnsafe(this.chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      let offset = 0;
      for (const chunk of this.chunks) {
        for (let start = 0; start < chunk.length; start += BYTES_SLICE) {
          offset += chunk.copy(body, offset, start, Math.min(chunk.length, start + BYTES_SLICE));
          await this.pause();
        }
      }
    }
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
