import type { ChangeCounts, Revision } from './revision-schemas.js';
import type { TidyRow } from './rows.js';

/*
 * What changed between two versions of a dataset, row by row. Pure: the API compares the version it holds with
 * the one it replaced, the ingester the lake's previous partition with the one it writes (the revisions/ table).
 */

export const CHANGE_KINDS = ['added', 'removed', 'revised'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What the comparison reads of a row: its key and its values (a tidy row, or one read back from the lake). */
export type ComparedRow = Pick<
  TidyRow,
  | 'dataset'
  | 'category'
  | 'item'
  | 'country'
  | 'year'
  | 'quantity'
  | 'quantity_flag'
  | 'value_usd'
  | 'value_flag'
>;

/** Rows by position, however they are held: an array, or the columns of a Parquet file read back. */
export interface RowsByIndex {
  readonly length: number;
  at(index: number): ComparedRow | undefined;
}

const FNV_PRIME = 0x01000193;

const mix = (hash: number, text: string | null): number => {
  let h = hash;
  if (text !== null) for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  // Ends each field, told apart from null: `a` + `bc` and `ab` + `c`, or null and '', hash apart.
  return Math.imul(h ^ (text === null ? 0x1_0000 : 0x1_0001), FNV_PRIME);
};

/** FNV-1a over a row's key fields: a number per row, where a string would cost an allocation kept all along. */
export function keyHash({ dataset, category, item, country, year }: ComparedRow): number {
  const hash = mix(mix(mix(mix(0x811c9dc5, dataset), category), item), country);
  return Math.imul(hash ^ year, FNV_PRIME);
}

const sameKey = (a: ComparedRow, b: ComparedRow): boolean =>
  a.year === b.year &&
  a.country === b.country &&
  a.item === b.item &&
  a.category === b.category &&
  a.dataset === b.dataset;

const sameValues = (a: ComparedRow, b: ComparedRow): boolean =>
  a.quantity === b.quantity &&
  a.value_usd === b.value_usd &&
  a.quantity_flag === b.quantity_flag &&
  a.value_flag === b.value_flag;

function change(
  kind: ChangeKind,
  key: ComparedRow,
  before: ComparedRow | null,
  after: ComparedRow | null,
): Revision {
  return {
    dataset: key.dataset,
    category: key.category,
    item: key.item,
    country: key.country,
    year: key.year,
    change: kind,
    old_quantity: before?.quantity ?? null,
    new_quantity: after?.quantity ?? null,
    old_value_usd: before?.value_usd ?? null,
    new_value_usd: after?.value_usd ?? null,
    old_flag: before?.quantity_flag ?? null,
    new_flag: after?.quantity_flag ?? null,
    old_value_flag: before?.value_flag ?? null,
    new_value_flag: after?.value_flag ?? null,
  };
}

/**
 * What changed, by position: per change, its kind (an index into CHANGE_KINDS), the index of its row in the current
 * version (-1 when removed) and in the previous one (-1 when added). Typed arrays only: a comparison of two large
 * versions costs a few bytes per change, wherever the rows are held.
 */
export interface ChangePositions {
  readonly length: number;
  readonly kinds: Uint8Array;
  readonly current: Int32Array;
  readonly previous: Int32Array;
}

const KIND_INDEX = { added: 0, removed: 1, revised: 2 } as const satisfies Record<ChangeKind, number>;

/**
 * The rows added, removed and revised from `previous` to `current`, as positions: revised and added in the current
 * version's order, then removed in the previous version's. Rows are matched by key; should a file publish the same
 * key twice, the n-th occurrence in one version is matched with the n-th in the other, so nothing is lost or double
 * counted. Linear in the rows however often a key repeats: each key's rows are chained, and a cursor per key points
 * to its next unmatched row.
 */
export function diffPositions(previous: RowsByIndex, current: RowsByIndex): ChangePositions {
  const rowAt = (i: number) => previous.at(i) as ComparedRow;
  // Keys by their hash: each hash's first key (the index of its first row), and from each key the next one with the
  // same hash (a collision, rare). A key's rows are chained in order from its first row, and `cursor` holds, per
  // key, its next unmatched row (its last row while the chains are built). One map entry per hash and typed arrays,
  // no string per row: on a 128 MB function a dataset's keys as strings cost more than its rows.
  const keys = new Map<number, number>();
  const nextKey = new Int32Array(previous.length).fill(-1);
  const nextRow = new Int32Array(previous.length).fill(-1);
  const cursor = new Int32Array(previous.length).fill(-1);
  const keyOf = (row: ComparedRow, hash: number): number => {
    let k = keys.get(hash) ?? -1;
    while (k !== -1 && !sameKey(rowAt(k), row)) k = nextKey[k] as number;
    return k;
  };
  for (let i = 0; i < previous.length; i++) {
    const row = rowAt(i);
    const hash = keyHash(row);
    const k = keyOf(row, hash);
    if (k === -1) {
      nextKey[i] = keys.get(hash) ?? -1;
      keys.set(hash, i);
    } else {
      nextRow[cursor[k] as number] = i;
    }
    cursor[k === -1 ? i : k] = i;
  }
  for (const first of keys.values()) {
    for (let k = first; k !== -1; k = nextKey[k] as number) cursor[k] = k;
  }

  const capacity = previous.length + current.length;
  const kinds = new Uint8Array(capacity);
  const currentAt = new Int32Array(capacity);
  const previousAt = new Int32Array(capacity);
  let length = 0;
  const push = (kind: ChangeKind, c: number, p: number) => {
    kinds[length] = KIND_INDEX[kind];
    currentAt[length] = c;
    previousAt[length] = p;
    length++;
  };
  const matched = new Uint8Array(previous.length);
  for (let c = 0; c < current.length; c++) {
    const row = current.at(c) as ComparedRow;
    const k = keyOf(row, keyHash(row));
    const i = k === -1 ? -1 : (cursor[k] as number);
    if (i === -1) {
      push('added', c, -1);
      continue;
    }
    cursor[k] = nextRow[i] as number;
    matched[i] = 1;
    if (!sameValues(rowAt(i), row)) push('revised', c, i);
  }
  for (let i = 0; i < previous.length; i++) if (matched[i] === 0) push('removed', -1, i);
  return {
    length,
    kinds: kinds.subarray(0, length),
    current: currentAt.subarray(0, length),
    previous: previousAt.subarray(0, length),
  };
}

/** Change `n` of `positions` as a revision, its rows read from the two versions. */
export function revisionAt(
  positions: ChangePositions,
  n: number,
  previous: RowsByIndex,
  current: RowsByIndex,
): Revision {
  const kind = CHANGE_KINDS[positions.kinds[n] as number] as ChangeKind;
  const before = kind === 'added' ? null : (previous.at(positions.previous[n] as number) as ComparedRow);
  const after = kind === 'removed' ? null : (current.at(positions.current[n] as number) as ComparedRow);
  return change(kind, (after ?? before) as ComparedRow, before, after);
}

/** The changes from `previous` to `current` as revisions (see diffPositions for their order and matching). */
export function diffRows(previous: RowsByIndex, current: readonly ComparedRow[]): Revision[] {
  const positions = diffPositions(previous, current);
  return Array.from({ length: positions.length }, (_, n) => revisionAt(positions, n, previous, current));
}

/** How many changes of each kind. */
export function countPositions(positions: ChangePositions): ChangeCounts {
  const counts: ChangeCounts = { added: 0, removed: 0, revised: 0 };
  for (const kind of positions.kinds) counts[CHANGE_KINDS[kind] as ChangeKind]++;
  return counts;
}

export function countChanges(changes: readonly Revision[]): ChangeCounts {
  const counts: ChangeCounts = { added: 0, removed: 0, revised: 0 };
  for (const { change: kind } of changes) counts[kind]++;
  return counts;
}
