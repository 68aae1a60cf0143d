import { countChanges } from '@vitibrasil/core';
import { type CachedBody, cachedBody } from '../data/cached-body.js';
import type { DatasetSnapshot } from '../data/snapshot.js';
import { NoPreviousVersion } from '../errors.js';
import { readingNotes } from './catalog.js';
import type { QualityReport, Revisions } from './openapi/schemas.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The version's quality report, serialized once (checked when the version was read). */
export function qualityBody(snapshot: DatasetSnapshot): CachedBody {
  return snapshot.body('quality', () => {
    const report: QualityReport = {
      dataset: snapshot.dataset.id,
      content_hash: snapshot.contentHash,
      checked_at: snapshot.readAt.toISOString(),
      notes: readingNotes(snapshot.read.notes),
      ...snapshot.read.quality,
    };
    return cachedBody(JSON.stringify(report), JSON_TYPE);
  });
}

/** The rows changed since the version this one replaced; NoPreviousVersion when none is held. */
export function revisionsBody(snapshot: DatasetSnapshot): CachedBody {
  const { previous } = snapshot;
  const changes = snapshot.revisions();
  if (previous === null || changes === null) {
    throw new NoPreviousVersion(snapshot.dataset.id, snapshot.contentHash);
  }
  return snapshot.body('revisions', () => {
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
