import { type QualityChecks, revisionAt } from '@vitibrasil/core';
import { BodyBuilder } from '../data/body-builder.js';
import type { CachedBody } from '../data/cached-body.js';
import type { DatasetSnapshot } from '../data/snapshot.js';
import { NoPreviousVersion } from '../errors.js';
import { columnRows } from '../reader/tidy-columns.js';
import { readingNotes } from './catalog.js';
import type { QualityReport, Revisions } from './openapi/schemas.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The version's quality report, serialized once. The checks are a function of the published bytes alone, so
 * `checked_at` is the version's changed_at: the body, its ETag and Last-Modified are the same in every process that
 * holds this version with this date (a process-local read time would give each process its own ETag under one
 * Last-Modified). Keyed by that date too: content served again later (A→B→A) is a new version with a later date.
 */
export function qualityBody(snapshot: DatasetSnapshot): Promise<CachedBody> {
  return snapshot.body(`quality|${snapshot.changedAt.getTime()}`, async () => {
    // Typed by the documented report: the checks, serialized by the reader, are spliced in as they are.
    const head: Omit<QualityReport, keyof QualityChecks> = {
      dataset: snapshot.dataset.id,
      content_hash: snapshot.contentHash,
      checked_at: snapshot.changedAt.toISOString(),
      notes: readingNotes(snapshot.read.notes),
    };
    // The checks' members follow the head's: the serialized object without its `{`, hashed in slices (a report
    // can list an anomaly per row).
    const builder = new BodyBuilder();
    builder.write(`${JSON.stringify(head).slice(0, -1)},`);
    await builder.writeBytes(snapshot.read.qualityJson.subarray(1));
    return builder.finish(JSON_TYPE);
  });
}

/** Revisions serialized between two looks at the clock (see BodyBuilder.pause). */
const CHANGES_PER_PAUSE = 256;

/**
 * The rows changed since the version this one replaced; NoPreviousVersion when none is held. Keyed by both versions
 * and the moment this one replaced the other: the same content may follow another version later (A→B→C→B), and
 * the same pair may come again (A→B→A→B) with other fetch times. The reader compared the versions; each change is
 * written here from the two versions' columns, in slices.
 */
export function revisionsBody(snapshot: DatasetSnapshot): Promise<CachedBody> {
  const { previous } = snapshot;
  const revisions = snapshot.read.revisions;
  if (previous === null || revisions === null) {
    throw new NoPreviousVersion(snapshot.dataset.id, snapshot.contentHash);
  }
  const pair = `revisions|${previous.contentHash.slice(0, 12)}|${snapshot.readAt.getTime()}`;
  return snapshot.body(pair, async () => {
    // Typed by the documented report: the changes are written after it, one by one.
    const head: Omit<Revisions, 'changes'> = {
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
      summary: revisions.counts,
    };
    const before = columnRows(previous.columns, snapshot.dataset);
    const after = columnRows(snapshot.columns, snapshot.dataset);
    const builder = new BodyBuilder();
    builder.write(`${JSON.stringify(head).slice(0, -1)},"changes":[`);
    for (let n = 0; n < revisions.positions.length; n++) {
      const change = JSON.stringify(revisionAt(revisions.positions, n, before, after));
      builder.write(n === 0 ? change : `,${change}`);
      if (n % CHANGES_PER_PAUSE === CHANGES_PER_PAUSE - 1) await builder.pause();
    }
    builder.write(']}');
    return builder.finish(JSON_TYPE);
  });
}
