import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DatasetDefinition } from '@vitibrasil/core';
import {
  MalformedUpstreamFile,
  ReaderCrashed,
  ReaderOutOfMemory,
  ReaderTimedOut,
  SuspiciousUpstreamFile,
} from '../../errors.js';
import type { BodyFacts } from '../read-dataset.js';
import type { ReadResult } from '../read-result.js';
import type { ShapeLimits } from '../shape-limits.js';
import type { TidyColumns } from '../tidy-columns.js';
import type { ReadFailure, ReadReply, ReadRequest, WorkerReady } from './messages.js';

/**
 * `high`: the bundled snapshot's own files (hash-verified), read when the upstream failed and a request waits for
 * them: they go ahead of waiting upstream files, which may be hostile and slow (one being read is let finish).
 */
export type ReadPriority = 'high' | 'normal';

export interface ReadOptions {
  readonly priority?: ReadPriority;
  /** The columns of the version the file would replace: the result then holds the revisions between the two. */
  readonly previous?: TidyColumns | null;
}

/** What the cache needs from a reader: the bytes of one file, read or rejected. */
export interface DatasetReader {
  read(
    dataset: DatasetDefinition,
    bytes: Uint8Array,
    facts: BodyFacts,
    options?: ReadOptions,
  ): Promise<ReadResult>;
}

export interface ReaderLimits extends ShapeLimits {
  /** Old-generation heap of the worker; past it the worker is stopped, not the process. */
  readonly heapMb: number;
  /** Longest one file may take to read; past it the worker is stopped. */
  readonly timeoutMs: number;
}

// The entry sits next to this module with the same extension: `.js` once built with tsc (`pnpm start`), `.ts`
// when the tests run the sources (the loader registered in vitest.config.ts transpiles it for the worker).
const ENTRY = new URL(`./read-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** Refreshes come hours apart: an idle worker is stopped after this long rather than kept (~10 MB). */
const IDLE_MS = 10_000;
/**
 * Loading the worker's modules is not reading a file, so it does not count against READER_TIMEOUT_MS (a cold start
 * on a busy machine must not fail a file); a worker not ready after this long is broken, not slow.
 */
const STARTUP_MS = 30_000;

interface Job {
  readonly dataset: DatasetDefinition;
  readonly priority: ReadPriority;
  readonly request: ReadRequest;
  readonly resolve: (read: ReadResult) => void;
  readonly reject: (error: Error) => void;
}

const failureError = (file: string, failure: ReadFailure): Error => {
  if (failure.code === 'UNEXPECTED') return new ReaderCrashed(file, { cause: new Error(failure.message) });
  return failure.code === 'MALFORMED_UPSTREAM_FILE'
    ? new MalformedUpstreamFile(file, failure.reason)
    : new SuspiciousUpstreamFile(file, failure.reason);
};

/**
 * Reads upstream files in a worker thread with a capped heap and a deadline, so that no file, however hostile,
 * blocks the event loop or exhausts the process's memory: a file that needs more than the heap cap or the
 * deadline costs the worker, which is replaced for the next file. One file at a time, in order of priority then
 * arrival; the worker starts on demand and stops when idle.
 */
type Outcome = { readonly read: ReadResult } | { readonly error: (file: string) => Error };

export class IsolatedReader implements DatasetReader {
  private worker: Worker | null = null;
  /** The worker has loaded its modules and said so: a file sent now starts being read at once. */
  private ready = false;
  private running: Job | null = null;
  private readonly queue: Job[] = [];
  private deadline: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly limits: ReaderLimits) {}

  read(
    dataset: DatasetDefinition,
    bytes: Uint8Array,
    facts: BodyFacts,
    { priority = 'normal', previous = null }: ReadOptions = {},
  ): Promise<ReadResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new ReaderCrashed(dataset.file, { cause: new Error('the reader is closed') }));
        return;
      }
      const job: Job = {
        dataset,
        priority,
        request: { dataset: dataset.id, bytes, facts, previous },
        resolve,
        reject,
      };
      // A high-priority job goes after the high ones waiting, before the normal ones.
      const firstNormal = this.queue.findIndex((waiting) => waiting.priority === 'normal');
      if (priority === 'high' && firstNormal >= 0) this.queue.splice(firstNormal, 0, job);
      else this.queue.push(job);
      this.next();
    });
  }

  /**
   * Starts the worker now, so that it loads its modules while the caller does other work (a cold start restoring
   * its store or building the app) and the first file does not wait for it. Like any idle worker, it neither
   * keeps the process alive nor outlives IDLE_MS without a file.
   */
  warmUp(): void {
    if (this.closed || this.worker || this.running) return;
    this.spawn().unref();
    this.idle = setTimeout(() => void this.stopWorker(), IDLE_MS).unref();
  }

  /** Stops the worker; the file being read and those waiting are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const closed = (file: string) => new ReaderCrashed(file, { cause: new Error('the reader is closed') });
    this.settle({ error: closed });
    for (const job of this.queue.splice(0)) job.reject(closed(job.dataset.file));
    await this.stopWorker();
  }

  private next(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      // Idle, the worker must not keep the process alive; reading, it must (a read may be all there is to wait for).
      this.worker?.unref();
      this.idle = setTimeout(() => void this.stopWorker(), IDLE_MS).unref();
      return;
    }
    clearTimeout(this.idle);
    this.running = job;
    if (this.worker) this.dispatch();
    else this.spawn();
  }

  /** Sends the job in progress to the ready worker, under the deadline. */
  private dispatch(): void {
    const { worker, running } = this;
    if (!worker || !running || !this.ready) return;
    worker.ref();
    this.deadline = setTimeout(() => {
      void this.stopWorker();
      this.settle({ error: (file) => new ReaderTimedOut(file, this.limits.timeoutMs) });
    }, this.limits.timeoutMs);
    worker.postMessage(running.request);
  }

  private spawn(): Worker {
    const { maxColumns, maxRows, maxCells, maxCellLength, maxTidyText, heapMb } = this.limits;
    const shape: ShapeLimits = { maxColumns, maxRows, maxCells, maxCellLength, maxTidyText };
    const worker = new Worker(ENTRY, {
      workerData: shape,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    // Events of a worker already replaced (stopped after a deadline, or dying) concern no job any more.
    const current = () => worker === this.worker;
    worker.on('message', (reply: ReadReply | WorkerReady) => {
      if (!current()) return;
      if ('ready' in reply) {
        clearTimeout(this.deadline);
        this.ready = true;
        this.dispatch();
        return;
      }
      this.settle(reply.ok ? { read: reply.read } : { error: (file) => failureError(file, reply.failure) });
    });
    worker.on('messageerror', (cause) => {
      if (current()) this.settle({ error: (file) => new ReaderCrashed(file, { cause }) });
    });
    worker.on('error', (cause: NodeJS.ErrnoException) => {
      if (!current()) return;
      this.worker = null; // it is exiting
      this.settle({
        error: (file) =>
          cause.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ReaderOutOfMemory(file, heapMb)
            : new ReaderCrashed(file, { cause }),
      });
    });
    worker.on('exit', (code) => {
      if (!current()) return;
      this.worker = null;
      this.settle({
        error: (file) => new ReaderCrashed(file, { cause: new Error(`the worker exited with code ${code}`) }),
      });
    });
    this.worker = worker;
    this.ready = false;
    worker.ref(); // a file is waiting for it
    this.deadline = setTimeout(() => {
      void this.stopWorker();
      const cause = new Error(`the worker was not ready within ${STARTUP_MS} ms`);
      this.settle({ error: (file) => new ReaderCrashed(file, { cause }) });
    }, STARTUP_MS);
    return worker;
  }

  /** Ends the job in progress, then starts the next one. */
  private settle(outcome: Outcome): void {
    const job = this.running;
    if (!job) return;
    clearTimeout(this.deadline);
    this.running = null;
    if ('read' in outcome) job.resolve(outcome.read);
    else job.reject(outcome.error(job.dataset.file));
    this.next();
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}
