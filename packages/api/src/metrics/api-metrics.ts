import { DATASET_IDS, type DatasetId } from '@vitibrasil/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  type CacheLookup,
  type CacheObserver,
  DATA_ORIGINS,
  type DatasetCache,
  type RefreshOutcome,
  type ServedData,
} from '../upstream/dataset-cache.js';
import type { GuardReason } from '../upstream/row-guard.js';

const COMMON_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so several apps in
 * one process (tests, benchmarks) do not collide. Label values come from fixed sets (route templates, dataset ids,
 * outcome codes), never from raw paths, so cardinality stays bounded whatever clients send.
 */
export class ApiMetrics implements CacheObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly upstreamFetches: Counter<'dataset' | 'outcome'>;
  private readonly cacheLookups: Counter<'dataset' | 'result'>;
  private readonly rowGuardDecisions: Counter<'dataset' | 'decision' | 'reason'>;
  private readonly bundledFallbacks: Counter<'dataset'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving the request to handing the response to Node, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.upstreamFetches = new Counter({
      name: 'upstream_fetches_total',
      help: 'Fetches of upstream files, by dataset and outcome (updated, unchanged, not_modified, or an error code).',
      labelNames: ['dataset', 'outcome'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'dataset_cache_lookups_total',
      help: 'Dataset cache lookups: hit (fresh copy), stale (served past the TTL), miss (waited for the upstream).',
      labelNames: ['dataset', 'result'],
      registers,
    });
    this.rowGuardDecisions = new Counter({
      name: 'upstream_row_guard_decisions_total',
      help:
        'Row-count guard decisions on new upstream files, by dataset, decision (accepted, refused) and reason ' +
        '(first_copy, plausible, like_previous, confirmed, override; fewer_rows).',
      labelNames: ['dataset', 'decision', 'reason'],
      registers,
    });
    this.bundledFallbacks = new Counter({
      name: 'dataset_bundled_fallbacks_total',
      help: 'Times a dataset fell back to the bundled snapshot (upstream failing, nothing held).',
      labelNames: ['dataset'],
      registers,
    });
  }

  /** Adds the gauges read from the cache at scrape time. */
  watch(cache: DatasetCache): void {
    new Gauge({
      name: 'dataset_served_origin',
      help: 'Where each dataset served now came from: 1 on its origin (upstream, disk, bundled), 0 on the others.',
      labelNames: ['dataset', 'origin'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const id of DATASET_IDS) {
          const served = cache.status(id).served;
          if (!served) continue;
          for (const origin of DATA_ORIGINS)
            this.set({ dataset: id, origin }, served.origin === origin ? 1 : 0);
        }
      },
    });
    const perDataset = (name: string, help: string, value: (served: ServedData) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['dataset'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const id of DATASET_IDS) {
            const served = cache.status(id).served;
            if (served) this.set({ dataset: id }, value(served));
          }
        },
      });
    perDataset(
      'dataset_data_age_seconds',
      'Seconds since the upstream last delivered or confirmed each dataset, or since the bundled snapshot was retrieved (absent: nothing held).',
      (served) => (Date.now() - served.fetchedAt.getTime()) / 1000,
    );
    perDataset(
      'dataset_stale',
      '1 when a dataset is served past its TTL (refreshing, or the last refresh failed), else 0.',
      (served) => (served.state === 'fresh' ? 0 : 1),
    );
  }

  // Label children per (method, route, status), looked up by one string: prom-client would otherwise hash the
  // label object twice per request. Bounded like the labels themselves.
  private readonly requestSeries = new Map<
    string,
    { count: Counter.Internal; latency: Histogram.Internal<'method' | 'route' | 'status'> }
  >();

  observeRequest(requestMethod: string, route: string, status: number, seconds: number): void {
    // Node's parser accepts some 35 methods; the rare ones share a label.
    const method = COMMON_METHODS.has(requestMethod) ? requestMethod : 'OTHER';
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { count: this.requests.labels(labels), latency: this.duration.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  cacheLookup(dataset: DatasetId, result: CacheLookup): void {
    this.cacheLookups.inc({ dataset, result });
  }

  upstreamFetch(dataset: DatasetId, outcome: RefreshOutcome): void {
    this.upstreamFetches.inc({ dataset, outcome });
  }

  rowGuard(dataset: DatasetId, decision: 'accepted' | 'refused', reason: GuardReason): void {
    this.rowGuardDecisions.inc({ dataset, decision, reason });
  }

  bundledFallback(dataset: DatasetId): void {
    this.bundledFallbacks.inc({ dataset });
  }
}
