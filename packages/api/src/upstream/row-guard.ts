/** Published rows and observations (tidy rows) of one copy of a file. */
export interface CopyCounts {
  readonly rows: number;
  readonly observations: number;
}

/** A file with less than this share of a reference copy's rows, or observations, is implausible next to it. */
const MIN_RATIO = 0.5;

export type GuardReason =
  /** Nothing held to compare with. */
  | 'first_copy'
  /** At least half the rows and observations of the copy served. */
  | 'plausible'
  /** Implausible next to the copy served, but not next to the one before it: the last change is being undone. */
  | 'like_previous'
  /** Served unchanged by the upstream on ROW_GUARD_REFRESHES consecutive refreshes. */
  | 'confirmed'
  /** The operator asked for the refused files to be accepted (SIGUSR2). */
  | 'override'
  /** Refused: fewer than half the rows or observations of both the copy served and the one before it. */
  | 'fewer_rows';

export interface GuardInput {
  readonly candidate: CopyCounts;
  /** The copy served now. */
  readonly held: CopyCounts | null;
  /** The copy served before the last accepted change. */
  readonly previous: CopyCounts | null;
  /** Consecutive refreshes that served these same bytes, this one included. */
  readonly sightings: number;
  readonly confirmations: number;
  readonly override: boolean;
}

export interface GuardDecision {
  readonly accept: boolean;
  readonly reason: GuardReason;
}

const plausibleNextTo = (candidate: CopyCounts, reference: CopyCounts) =>
  candidate.rows >= reference.rows * MIN_RATIO &&
  candidate.observations >= reference.observations * MIN_RATIO;

/**
 * Whether a new, well-formed file replaces the copy served. A file that lost most of its rows is more likely a
 * broken publication than news, so it is refused, but never for good: a return to the copy before the last change
 * is accepted at once (a bad publication must not lock out its correction), a file the upstream keeps serving is
 * accepted after `confirmations` refreshes, and the operator can accept it at any time.
 */
export function judgeCopy(input: GuardInput): GuardDecision {
  const { candidate, held, previous } = input;
  if (!held) return { accept: true, reason: 'first_copy' };
  if (plausibleNextTo(candidate, held)) return { accept: true, reason: 'plausible' };
  if (previous && plausibleNextTo(candidate, previous)) return { accept: true, reason: 'like_previous' };
  if (input.override) return { accept: true, reason: 'override' };
  if (input.sightings >= input.confirmations) return { accept: true, reason: 'confirmed' };
  return { accept: false, reason: 'fewer_rows' };
}
