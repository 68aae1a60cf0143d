import { DATASETS, type DatasetDefinition, type DatasetId, getDataset } from '@vitibrasil/core';
import type { Logger } from 'pino';
import type { BundledFiles } from '../bundle/bundled-files.js';
import { BodyCache } from '../data/cached-body.js';
import { DatasetSnapshot, type PreviousVersion } from '../data/snapshot.js';
import {
  errorCode,
  MalformedUpstreamFile,
  ReaderOutOfMemory,
  ReaderTimedOut,
  SuspiciousUpstreamFile,
  UpstreamUnavailable,
} from '../errors.js';
import type { BodyFacts } from '../reader/read-dataset.js';
import type { DatasetReader, ReadPriority } from '../reader/worker/isolated-reader.js';
import type { UpstreamFetcher } from './client.js';
import { type CopyStore, type StoredMeta, sha256Hex } from './copy-store.js';
import { type CopyCounts, type GuardReason, judgeCopy } from './row-guard.js';

/** fresh: within the TTL; stale: past it, refresh under way; stale-if-error: the last refresh failed. */
export const DATA_STATES = ['fresh', 'stale', 'stale-if-error'] as const;
export type DataState = (typeof DATA_STATES)[number];

/**
 * Where this process got the copy it serves: the upstream; CACHE_DIR, restored at start; or the bundled snapshot,
 * the last resort when the upstream fails and nothing else is held.
 */
export const DATA_ORIGINS = ['upstream', 'disk', 'bundled'] as const;
export type DataOrigin = (typeof DATA_ORIGINS)[number];

export interface ServedData {
  readonly snapshot: DatasetSnapshot;
  readonly state: DataState;
  /** Last time the upstream confirmed this content (200 with these bytes, or 304); for the bundle, its retrieval. */
  readonly fetchedAt: Date;
  readonly origin: DataOrigin;
  /** The bundled snapshot's release label when origin is 'bundled', else null. */
  readonly release: string | null;
  readonly freshForSeconds: number;
}

export interface CacheFailure {
  readonly at: Date;
  readonly code: string;
  readonly message: string;
}

export interface DatasetStatus {
  readonly served: ServedData | null;
  readonly lastFailure: CacheFailure | null;
}

interface Entry {
  snapshot?: DatasetSnapshot;
  fetchedAt: number;
  origin: DataOrigin;
  release: string | null;
  validators: { etag: string | null; lastModified: string | null };
  inflight?: Promise<DatasetSnapshot>;
  /** The bundled file being read, shared by concurrent requests. */
  bundledLoad?: Promise<void>;
  /** When the bundle last failed to serve this dataset: not read again before the back-off has passed. */
  bundleFailedAt?: number;
  failure?: { at: number; error: unknown };
  /** Counts of the copy served before the last accepted change (persisted with the metadata). */
  previous: CopyCounts | null;
  /** The file the row guard refuses now, on how many consecutive refreshes the upstream served it, since when. */
  refused?: { contentHash: string; sightings: number; firstSeenAt: number };
}

const countsOf = (snapshot: DatasetSnapshot): CopyCounts => ({
  rows: snapshot.read.publishedRows,
  observations: snapshot.rowCount,
});

/** Failures that condemn the file itself (not the network, not the reader's worker): a stored copy is quarantined. */
const rejectsFile = (error: unknown) =>
  error instanceof MalformedUpstreamFile ||
  error instanceof SuspiciousUpstreamFile ||
  error instanceof ReaderOutOfMemory ||
  error instanceof ReaderTimedOut;

/** hit: a fresh copy; stale: a copy past its TTL, served at once; miss: nothing cached, the request waits. */
export type CacheLookup = 'hit' | 'stale' | 'miss';
/** How a refresh ended: new content, same bytes, a 304, or the failure's error code. */
export type RefreshOutcome = 'updated' | 'unchanged' | 'not_modified' | (string & {});

/** Told about every lookup, refresh and row-guard decision (metrics). */
export interface CacheObserver {
  cacheLookup(dataset: DatasetId, result: CacheLookup): void;
  upstreamFetch(dataset: DatasetId, outcome: RefreshOutcome): void;
  rowGuard(dataset: DatasetId, decision: 'accepted' | 'refused', reason: GuardReason): void;
  /** A dataset fell back to the bundled snapshot. */
  bundledFallback(dataset: DatasetId): void;
}

export interface DatasetCacheOptions {
  readonly fetcher: UpstreamFetcher & { urlOf(file: string): string };
  /** Where good copies are kept across restarts (CACHE_DIR, or CACHE_S3_URI). */
  readonly store: CopyStore;
  /** Reads every copy, from the upstream or from the store, within the same limits, off the event loop. */
  readonly reader: DatasetReader;
  /** The last resort; null turns it off (nothing held and the upstream failing is then a 503). */
  readonly bundled: BundledFiles | null;
  readonly ttlMs: number;
  /** Consecutive refreshes serving the same file after which the row guard accepts it (1: at once)… */
  readonly rowGuardConfirmations: number;
  /** …provided the first of them was at least this long ago. */
  readonly rowGuardConfirmMs: number;
  readonly logger: Logger;
  readonly observer?: CacheObserver;
  /** Memory budget of the serialized query bodies, all datasets together. */
  readonly bodyCacheBytes: number;
  readonly now?: () => number;
}

/**
 * Per-file cache in front of the upstream: one fetch per file however many requests wait for it; past the TTL the
 * cached copy is served at once while one background refresh runs (stale-while-revalidate); a failed or rejected
 * refresh keeps the last good copy (stale-if-error); good copies persist to disk and are restored at start.
 */
export class DatasetCache {
  private readonly entries = new Map<DatasetId, Entry>();
  private readonly bodies: BodyCache;
  private readonly now: () => number;
  /** After a failure the upstream is not asked again for this long, so an outage is not hammered. */
  readonly failureBackoffMs: number;

  constructor(private readonly options: DatasetCacheOptions) {
    this.now = options.now ?? Date.now;
    this.bodies = new BodyCache(options.bodyCacheBytes);
    this.failureBackoffMs = Math.min(options.ttlMs, 30_000);
  }

  /**
   * Loads every good copy found in the store (CACHE_DIR or CACHE_S3_URI), all at once (on S3 each load is two
   * round trips), then has each read by the same reader and within the same limits as an upstream file. A copy the
   * reader rejects is quarantined (moved aside), so it is not read again at every start. Returns how many were
   * restored.
   */
  async restore(): Promise<number> {
    const loads = await Promise.allSettled(DATASETS.map((dataset) => this.options.store.load(dataset.file)));
    let restored = 0;
    for (const [index, dataset] of DATASETS.entries()) {
      const load = loads[index];
      try {
        if (load?.status === 'rejected') throw load.reason;
        const copy = load?.value;
        if (!copy) continue;
        let snapshot: DatasetSnapshot;
        try {
          snapshot = await this.snapshotOf(
            dataset,
            copy.bytes,
            copy.meta.contentHash,
            copy.meta.changedAt,
            { lengthVerified: true }, // the stored bytes matched their hash
            null,
          );
        } catch (error) {
          if (!rejectsFile(error)) throw error;
          await this.quarantine(dataset, copy.meta.contentHash, error);
          continue;
        }
        this.entries.set(dataset.id, {
          snapshot,
          // A clock that ran ahead when the copy was stored must not make it fresh for longer than the TTL.
          fetchedAt: Math.min(Date.parse(copy.meta.fetchedAt), this.now()),
          origin: 'disk',
          release: null,
          validators: { etag: copy.meta.etag, lastModified: copy.meta.lastModified },
          previous: copy.meta.previous,
        });
        restored++;
      } catch (error) {
        this.options.logger.warn({ dataset: dataset.id, err: error }, 'ignoring unreadable cached copy');
      }
    }
    return restored;
  }

  /**
   * The operator's override of the row guard (SIGUSR2): every file it refuses now is fetched again at once, and that
   * one refresh accepts it whatever its row count. The override belongs to that refresh and ends with it, whatever
   * its outcome: a refresh failing on the network leaves nothing armed for a later file (signal again). A refresh
   * already under way is let finish first. Returns the datasets concerned.
   */
  overrideRowGuard(): DatasetId[] {
    const concerned: DatasetId[] = [];
    for (const [id, entry] of this.entries) {
      if (!entry.refused) continue;
      concerned.push(id);
      this.refresh(id, true).catch(() => undefined); // logged in refresh
    }
    this.options.logger.warn(
      { datasets: concerned },
      'row guard override: refused files fetched again and accepted by that refresh',
    );
    return concerned;
  }

  /** The data to serve for a dataset; waits for the upstream only when nothing is cached. */
  async get(id: DatasetId): Promise<ServedData> {
    const entry = this.entryOf(id);
    if (entry.snapshot) {
      const expired = entry.origin === 'bundled' || this.now() - entry.fetchedAt >= this.options.ttlMs;
      this.options.observer?.cacheLookup(id, expired ? 'stale' : 'hit');
      if (expired && !entry.inflight && !this.inBackoff(entry)) {
        this.refresh(id).catch(() => undefined); // logged in refresh; the last good copy keeps being served
      }
      return this.served(entry, entry.snapshot);
    }
    this.options.observer?.cacheLookup(id, 'miss');
    if (!entry.inflight && this.inBackoff(entry)) return this.lastResort(id, entry, entry.failure?.error);
    try {
      const snapshot = await this.refresh(id);
      return this.served(entry, snapshot);
    } catch (error) {
      return this.lastResort(id, entry, error);
    }
  }

  /** Datasets served from the bundled snapshot now. */
  bundledDatasets(): DatasetId[] {
    return [...this.entries]
      .filter(([, entry]) => entry.snapshot && entry.origin === 'bundled')
      .map(([id]) => id);
  }

  /**
   * Asks the upstream again, in the background, for each dataset served from the bundle (at most once per
   * back-off): readiness probes call it, so a recovered upstream ends the degraded state without client traffic.
   */
  retryBundled(): void {
    for (const id of this.bundledDatasets()) {
      const entry = this.entryOf(id);
      if (!entry.inflight && !this.inBackoff(entry)) this.refresh(id).catch(() => undefined); // logged in refresh
    }
  }

  /** Nothing held and the upstream failed: the bundled snapshot, when there is one, or a 503. */
  private async lastResort(id: DatasetId, entry: Entry, upstreamError: unknown): Promise<ServedData> {
    const bundled = this.options.bundled;
    const failedRecently =
      entry.bundleFailedAt !== undefined && this.now() - entry.bundleFailedAt < this.failureBackoffMs;
    if (!bundled || failedRecently) throw this.unavailable(id, upstreamError);
    entry.bundledLoad ??= this.loadBundled(bundled, getDataset(id), entry)
      .catch((error: unknown) => {
        entry.bundleFailedAt = this.now();
        this.options.logger.error(
          { dataset: id, err: error },
          'the bundled snapshot cannot serve this dataset',
        );
        throw error;
      })
      .finally(() => {
        entry.bundledLoad = undefined;
      });
    try {
      await entry.bundledLoad;
    } catch {
      throw this.unavailable(id, upstreamError);
    }
    // Whatever is held now: the bundled copy, or an upstream copy that landed while the bundle was read.
    if (!entry.snapshot) throw this.unavailable(id, upstreamError);
    return this.served(entry, entry.snapshot);
  }

  private async loadBundled(bundled: BundledFiles, dataset: DatasetDefinition, entry: Entry): Promise<void> {
    const copy = await bundled.load(dataset.id);
    const snapshot = await this.snapshotOf(
      dataset,
      copy.bytes,
      copy.contentHash,
      copy.retrievedAt.toISOString(),
      { lengthVerified: true }, // the bytes matched the manifest's size and hash
      null, // used only while nothing is held
      'high', // a request waits for it: not behind upstream files that may be hostile and slow
    );
    if (entry.snapshot) return; // a copy from the upstream arrived meanwhile: never replace it with the bundle
    entry.snapshot = snapshot;
    entry.origin = 'bundled';
    entry.release = copy.release;
    entry.fetchedAt = Math.min(copy.retrievedAt.getTime(), this.now());
    entry.validators = { etag: null, lastModified: null };
    this.options.observer?.bundledFallback(dataset.id);
    this.options.logger.warn(
      { dataset: dataset.id, release: copy.release, rows: snapshot.rowCount },
      'upstream unavailable and nothing cached: serving the bundled snapshot',
    );
  }

  status(id: DatasetId): DatasetStatus {
    const entry = this.entries.get(id);
    const failure = entry?.failure;
    return {
      served: entry?.snapshot ? this.served(entry, entry.snapshot) : null,
      lastFailure: failure
        ? {
            at: new Date(failure.at),
            code: errorCode(failure.error),
            message: failure.error instanceof Error ? failure.error.message : String(failure.error),
          }
        : null,
    };
  }

  /**
   * Resolves once no refresh is under way (failed ones included). On Lambda the instance is frozen as soon as the
   * handler returns, which would stall a background refresh until its deadline passed in the next invocation: the
   * handler waits for this before returning.
   */
  async whenIdle(): Promise<void> {
    let pending = [...this.entries.values()].flatMap((entry) => (entry.inflight ? [entry.inflight] : []));
    while (pending.length > 0) {
      await Promise.allSettled(pending);
      pending = [...this.entries.values()].flatMap((entry) => (entry.inflight ? [entry.inflight] : []));
    }
  }

  hasAnyData(): boolean {
    return [...this.entries.values()].some((entry) => entry.snapshot);
  }

  private entryOf(id: DatasetId): Entry {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = {
        fetchedAt: 0,
        origin: 'upstream',
        release: null,
        validators: { etag: null, lastModified: null },
        previous: null,
      };
      this.entries.set(id, entry);
    }
    return entry;
  }

  private inBackoff(entry: Entry): boolean {
    return entry.failure !== undefined && this.now() - entry.failure.at < this.failureBackoffMs;
  }

  private unavailable(id: DatasetId, cause: unknown): UpstreamUnavailable {
    const seconds = Math.max(1, Math.ceil(this.failureBackoffMs / 1000));
    return new UpstreamUnavailable(
      `no cached copy of '${id}' and the upstream cannot deliver it now (${errorCode(cause)})`,
      seconds,
      { cause },
    );
  }

  private served(entry: Entry, snapshot: DatasetSnapshot): ServedData {
    const fetchedAt = new Date(entry.fetchedAt);
    // The bundle is only ever served because the upstream failed: never fresh, never cacheable downstream.
    if (entry.origin === 'bundled') {
      return {
        snapshot,
        state: 'stale-if-error',
        fetchedAt,
        origin: 'bundled',
        release: entry.release,
        freshForSeconds: 0,
      };
    }
    // Never negative, should the clock step back: max-age then never exceeds the TTL.
    const age = Math.max(0, this.now() - entry.fetchedAt);
    const failedSinceFetch = entry.failure !== undefined && entry.failure.at >= entry.fetchedAt;
    const state: DataState =
      age < this.options.ttlMs ? 'fresh' : failedSinceFetch ? 'stale-if-error' : 'stale';
    return {
      snapshot,
      state,
      fetchedAt,
      origin: entry.origin,
      release: null,
      freshForSeconds: Math.max(0, Math.floor((this.options.ttlMs - age) / 1000)),
    };
  }

  /** One refresh per dataset at a time; concurrent callers share it. `override`: the operator's (SIGUSR2). */
  private refresh(id: DatasetId, override = false): Promise<DatasetSnapshot> {
    const entry = this.entryOf(id);
    // The override is for a refresh of its own, not one already past its decision: after the one under way.
    if (override && entry.inflight) {
      const after = () => this.refresh(id, true);
      return entry.inflight.then(after, after);
    }
    entry.inflight ??= this.fetchAndRead(getDataset(id), entry, override).finally(() => {
      entry.inflight = undefined;
    });
    return entry.inflight;
  }

  private async fetchAndRead(
    dataset: DatasetDefinition,
    entry: Entry,
    override: boolean,
  ): Promise<DatasetSnapshot> {
    const { logger, observer } = this.options;
    const started = this.now();
    try {
      const response = await this.options.fetcher.fetchFile(
        dataset.file,
        entry.snapshot ? entry.validators : undefined,
      );
      // A 304 confirms only a copy the upstream gave us (the bundle is never offered as a validator).
      if (response.status === 304 && entry.snapshot && entry.origin !== 'bundled') {
        return await this.keepHeldCopy(dataset, entry, entry.snapshot, 'not_modified', started);
      }
      if (response.status !== 200)
        throw new Error(`unexpected 304 for ${dataset.file} without a cached copy`);
      const contentHash = sha256Hex(response.body);
      // The same bytes as the bundle are still new content from the upstream (its dates, stored to CACHE_DIR).
      if (entry.origin !== 'bundled' && entry.snapshot?.contentHash === contentHash) {
        entry.validators = { etag: response.etag, lastModified: response.lastModified };
        return await this.keepHeldCopy(dataset, entry, entry.snapshot, 'unchanged', started);
      }
      const changedAt = response.lastModified ? new Date(response.lastModified) : new Date(this.now());
      // Read in the worker, within the limits: nothing reaches the store before this succeeds.
      const snapshot = await this.snapshotOf(
        dataset,
        response.body,
        contentHash,
        Number.isNaN(changedAt.getTime()) ? new Date(this.now()).toISOString() : changedAt.toISOString(),
        { contentType: response.contentType, lengthVerified: response.lengthVerified },
        this.previousVersion(entry, contentHash),
      );
      const guard = this.judge(dataset, entry, snapshot, override);
      // The bundle is no copy the upstream served: it is not the one before the next.
      if (entry.snapshot && entry.origin !== 'bundled') entry.previous = countsOf(entry.snapshot);
      entry.snapshot = snapshot;
      entry.validators = { etag: response.etag, lastModified: response.lastModified };
      this.confirm(entry);
      await this.persist(dataset, entry, snapshot, response.body);
      observer?.upstreamFetch(dataset.id, 'updated');
      logger.info(
        {
          dataset: dataset.id,
          outcome: 'updated',
          guard,
          rows: snapshot.read.publishedRows,
          observations: snapshot.rowCount,
          bytes: response.body.length,
          ms: this.now() - started,
        },
        'upstream refresh',
      );
      return snapshot;
    } catch (error) {
      entry.failure = { at: this.now(), error };
      observer?.upstreamFetch(dataset.id, errorCode(error).toLowerCase());
      logger.warn(
        {
          dataset: dataset.id,
          outcome: 'failed',
          code: errorCode(error),
          err: error,
          keeping: Boolean(entry.snapshot),
        },
        'upstream refresh failed',
      );
      throw error;
    }
  }

  /** The upstream confirmed the copy held (304, or the same bytes): fresh again, metadata persisted. */
  private async keepHeldCopy(
    dataset: DatasetDefinition,
    entry: Entry,
    snapshot: DatasetSnapshot,
    outcome: 'not_modified' | 'unchanged',
    started: number,
  ): Promise<DatasetSnapshot> {
    this.confirm(entry);
    await this.persist(dataset, entry, snapshot, null);
    this.options.observer?.upstreamFetch(dataset.id, outcome);
    this.options.logger.info({ dataset: dataset.id, outcome, ms: this.now() - started }, 'upstream refresh');
    return snapshot;
  }

  /**
   * The row guard's decision on a new file, counted here; an acceptance is logged by the caller (on its `upstream
   * refresh` line), a refusal here, and thrown as SuspiciousUpstreamFile saying what would get the file accepted.
   */
  private judge(
    dataset: DatasetDefinition,
    entry: Entry,
    snapshot: DatasetSnapshot,
    override: boolean,
  ): GuardReason {
    const candidate = countsOf(snapshot);
    const again = entry.refused?.contentHash === snapshot.contentHash ? entry.refused : undefined;
    const sightings = (again?.sightings ?? 0) + 1;
    const firstSeenAt = again?.firstSeenAt ?? this.now();
    const seenForMs = Math.max(0, this.now() - firstSeenAt);
    const confirmations = this.options.rowGuardConfirmations;
    const confirmMs = this.options.rowGuardConfirmMs;
    // The bundle is no copy the upstream served: the first valid upstream file replaces it whatever its size.
    const held = entry.snapshot && entry.origin !== 'bundled' ? countsOf(entry.snapshot) : null;
    const decision = judgeCopy({
      candidate,
      held,
      previous: entry.previous,
      sightings,
      seenForMs,
      confirmations,
      confirmMs,
      override,
    });
    this.options.observer?.rowGuard(dataset.id, decision.accept ? 'accepted' : 'refused', decision.reason);
    if (decision.accept) return decision.reason;
    entry.refused = { contentHash: snapshot.contentHash, sightings, firstSeenAt };
    this.options.logger.warn(
      {
        dataset: dataset.id,
        guard: decision.reason,
        candidate,
        held,
        previous: entry.previous,
        sightings,
        seenForMs,
        confirmations,
        confirmMs,
      },
      'row guard refused a file far smaller than the copy served',
    );
    const before = entry.previous
      ? `, the one before it ${entry.previous.rows} (${entry.previous.observations})`
      : '';
    throw new SuspiciousUpstreamFile(
      dataset.file,
      `${candidate.rows} rows (${candidate.observations} observations) where the copy served has ` +
        `${held?.rows} (${held?.observations})${before}; accepted if the upstream serves it on ` +
        `${confirmations} consecutive refreshes over at least ${confirmMs / 1000} s (${sightings} so far, ` +
        `over ${Math.floor(seenForMs / 1000)} s), or at once on SIGUSR2`,
    );
  }

  /** The upstream delivered or confirmed the content held: any refused file is no longer served consistently. */
  private confirm(entry: Entry): void {
    entry.fetchedAt = this.now();
    entry.origin = 'upstream';
    entry.release = null;
    entry.failure = undefined;
    entry.refused = undefined;
  }

  /** Moves a stored copy the reader rejects aside, so that no later start reads it again. */
  private async quarantine(dataset: DatasetDefinition, contentHash: string, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      const movedTo = await this.options.store.quarantine(dataset.file, contentHash, reason);
      this.options.logger.error(
        { dataset: dataset.id, code: errorCode(error), reason, movedTo },
        'cached copy rejected by the reader: quarantined',
      );
    } catch (failure) {
      this.options.logger.error(
        { dataset: dataset.id, code: errorCode(error), reason, err: failure },
        'cached copy rejected by the reader, and could not be quarantined',
      );
    }
  }

  /** Writes the copy (or, with `bytes` null, only its refreshed metadata) to the store. */
  private async persist(
    dataset: DatasetDefinition,
    entry: Entry,
    snapshot: DatasetSnapshot,
    bytes: Buffer | null,
  ): Promise<void> {
    const meta: StoredMeta = {
      file: dataset.file,
      url: this.options.fetcher.urlOf(dataset.file),
      fetchedAt: new Date(entry.fetchedAt).toISOString(),
      changedAt: snapshot.changedAt.toISOString(),
      etag: entry.validators.etag,
      lastModified: entry.validators.lastModified,
      contentHash: snapshot.contentHash,
      previous: entry.previous,
    };
    try {
      await this.options.store.save(meta, bytes);
    } catch (error) {
      // Serving from memory still works; only a restart during an outage would lose this copy.
      this.options.logger.error({ dataset: dataset.id, err: error }, 'could not persist the upstream copy');
    }
  }

  /**
   * The held version, as the one a new version replaces: the reader compares its columns with the new file's, and
   * the new snapshot keeps them for its revisions. Only one is kept: the new snapshot drops its own predecessor. None
   * when the content is the same (the upstream serving the bundle's bytes): no release came between them.
   */
  private previousVersion(entry: Entry, contentHash: string): PreviousVersion | null {
    const held = entry.snapshot;
    return held && held.contentHash !== contentHash
      ? {
          columns: held.columns,
          contentHash: held.contentHash,
          changedAt: held.changedAt,
          fetchedAt: new Date(entry.fetchedAt),
        }
      : null;
  }

  private async snapshotOf(
    dataset: DatasetDefinition,
    bytes: Buffer,
    contentHash: string,
    changedAt: string,
    facts: BodyFacts,
    previous: PreviousVersion | null,
    priority: ReadPriority = 'normal',
  ): Promise<DatasetSnapshot> {
    const read = await this.options.reader.read(dataset, bytes, facts, {
      priority,
      previous: previous?.columns ?? null,
    });
    // Never in the future (an upstream Last-Modified, or stored metadata, from a clock that ran ahead): served as
    // Last-Modified, it would make every If-Modified-Since look outdated, and every later change look older.
    const now = this.now();
    const changed = Math.min(Date.parse(changedAt), now);
    return new DatasetSnapshot(
      dataset,
      read,
      contentHash,
      bytes.length,
      new Date(Number.isNaN(changed) ? now : changed),
      this.bodies,
      previous,
    );
  }
}
