import { countChanges } from '@vitibrasil/core';
import { type CachedBody, cachedBody } from '../data/cached-body.js';
import type { DatasetSnapshot } from '../data/snapshot.js';
import { NoPreviousVersion } from '../errors.js';
import { readingNotes } from './catalog.js';
import type { QualityReport, Revisions } from './openapi/schemas.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The version's quality report, serialized once. The checks are a function of the published bytes alone, so
 * `checked_at` is the version's changed_at: the body, its ETag and Last-Modified are the same in every process that
 * holds this version with this date (a process-local read time would give each process its own ETag under one
 * Last-Modified). Keyed by that date too: content served again later (A→B→A) is a new version with a later date.
 */
export function qualityBody(snapshot: DatasetSnapshot): CachedBody {
  return snapshot.body(`quality|${snapshot.changedAt.getTime()}`, () => {
    const report: QualityReport = {
      dataset: snapshot.dataset.id,
      content_hash: snapshot.contentHash,
      checked_at: snapshot.changedAt.toISOString(),
      notes: readingNotes(snapshot.read.notes),
      ...snapshot.read.quality,
    };
    return cachedBody(JSON.stringify(report), JSON_TYPE);
  });
}

/**
 * The rows changed since the version this one replaced; NoPreviousVersion when none is held. Keyed by both versions
 * and the moment this one replaced the other: the same content may follow another version later (A→B→C→B), and
 * the same pair may come again (A→B→A→B) with other fetch times.
 */
export function revisionsBody(snapshot: DatasetSnapshot): CachedBody {
  const { previous } = snapshot;
  const changes = snapshot.revisions();
  if (previous === null || changes === null) {
    throw new NoPreviousVersion(snapshot.dataset.id, snapshot.contentHash);
  }
  const pair = `revisions|${previous.contentHash.slice(0, 12)}|${snapshot.readAt.getTime()}`;
  return snapshot.body(pair, () => {
    const report: Revisions = {
      dataset: snapshot.dataset.id,
      previous: {
        content_hash: previous.contentHash,
        changed_at: previous.changedAt.toISOString(),
        fetched_at: previous.fetchedAt.toISOString(),
      },
      current: {
        content_hash: snapshot.contentHash,
        changed_at: snapshot.changedAt.toISOString(),
        fetched_at: snapshot.readAt.toISOString(),
      },
      summary: countChanges(changes),
      changes: [...changes],
    };
    return cachedBody(JSON.stringify(report), JSON_TYPE);
  });
}
