/**
 * Files an attacker on the path to the upstream (plain http by default) could serve in place of Producao.csv,
 * each under UPSTREAM_MAX_BYTES: they once took the process down. Used by the tests and by bench/reader-limits.ts.
 */

/**
 * `;`-delimited, 9,000 year columns (1000–9999), 1,100 rows with an id and nothing else: 9,951,612 bytes, ten
 * million cells, the shape that once ran the process out of heap (its 1970–2024 variant would be ten million
 * observations).
 */
export function wideFile(): Buffer {
  const years = Array.from({ length: 9_000 }, (_, i) => 1000 + i);
  const header = `id;control;produto;${years.join(';')}`;
  const empty = ';'.repeat(years.length + 2);
  const rows = Array.from({ length: 1_100 }, (_, i) => `${i + 1}${empty}`);
  return Buffer.from(`${header}\n${rows.join('\n')}\n`);
}

/** Ordinary rows of the real shape (54 years), as many as fit in about `bytes` bytes. */
export function longFile(bytes: number): Buffer {
  const years = Array.from({ length: 54 }, (_, i) => 1970 + i);
  const header = `id;control;produto;${years.join(';')}`;
  const lines = [header];
  let size = header.length + 1;
  for (let id = 1; size < bytes; id++) {
    const line = `${id};vm_Item${id};Item ${id};${years.map((y) => (id * y) % 100_000).join(';')}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
