/**
 * Writes a copy of the bundled snapshot's CSVs with `years` more year columns, for measuring the functions on
 * datasets longer than today's: each file gets the years before its first one, with that year's values (the API
 * refuses years after the current one, so the added years come first). A file then has as many more rows as
 * that many more published years would give it.
 *
 *   cd infra && npx tsx bench/grow-snapshot.ts 10 /tmp/grown-10 && SNAPSHOT_DIR=/tmp/grown-10 pnpm bench:bundles
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SNAPSHOT_DIR = new URL('../../data/vitibrasil/', import.meta.url).pathname;
const [yearsArgument, out] = process.argv.slice(2);
const years = Number(yearsArgument);
if (!out || !Number.isInteger(years) || years < 1) {
  console.error('usage: tsx bench/grow-snapshot.ts <years> <output folder>');
  process.exit(2);
}

/** The file with `years` copies of its first year's columns before them, labelled with the years before it. */
function grow(text: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const header = lines[0] ?? '';
  const delimiter = header.includes('\t') ? '\t' : ';';
  const names = header.split(delimiter).map((name) => name.trim());
  const yearColumns = names.flatMap((name, index) => (/^\d{4}$/.test(name) ? [index] : []));
  const first = Math.min(...yearColumns.map((index) => Number(names[index])));
  const firstColumns = yearColumns.filter((index) => Number(names[index]) === first);
  const at = firstColumns[0] ?? names.length;
  return lines
    .map((line, row) => {
      if (line === '') return line;
      const cells = line.split(delimiter);
      const added: string[] = [];
      for (let k = years; k >= 1; k--) {
        for (const index of firstColumns) added.push(row === 0 ? String(first - k) : (cells[index] ?? ''));
      }
      return [...cells.slice(0, at), ...added, ...cells.slice(at)].join(delimiter);
    })
    .join(eol);
}

await mkdir(out, { recursive: true });
for (const file of (await readdir(SNAPSHOT_DIR)).filter((name) => name.endsWith('.csv'))) {
  await writeFile(join(out, file), grow(await readFile(join(SNAPSHOT_DIR, file), 'utf8')));
}
console.log(`${out}: the snapshot's CSVs with ${years} more years`);
