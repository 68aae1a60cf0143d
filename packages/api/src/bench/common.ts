import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: this file runs as packages/api/dist/bench/*.js, four levels below it. */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Folder holding the 15 upstream CSV files: SNAPSHOT_DIR, or the bundled snapshot in data/vitibrasil. */
export function snapshotDir(): string {
  const fromEnv = process.env.SNAPSHOT_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, 'data/vitibrasil');
}

/** Positive number from an environment variable, or the fallback when unset or empty. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/** Nearest-rank percentile (0 < p ≤ 100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Left-aligns the first column and right-aligns the others. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => row[col]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
