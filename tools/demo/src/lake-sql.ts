import { DuckDBInstance } from '@duckdb/node-api';
import type { LakeQuery } from '@vitibrasil/core';

/** A table of a local lake, as DuckDB reads it: every Parquet object, partitions from the folders. */
export function tableSource(lakeDir: string, table: 'curated' | 'revisions' | 'quality'): string {
  const glob = `${lakeDir.replaceAll("'", "''")}/${table}/**/*.parquet`;
  return `read_parquet('${glob}', hive_partitioning = true)`;
}

/** Runs each query on the lake in one in-memory DuckDB and returns its rows as plain JS objects. */
export async function runLakeQueries(
  lakeDir: string,
  queries: readonly LakeQuery[],
): Promise<{ query: LakeQuery; rows: Record<string, unknown>[] }[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const results = [];
    for (const query of queries) {
      const sql = query.sql(tableSource(lakeDir, 'curated'), {
        revisions: tableSource(lakeDir, 'revisions'),
        quality: tableSource(lakeDir, 'quality'),
      });
      const reader = await connection.runAndReadAll(sql);
      results.push({ query, rows: reader.getRowObjectsJS() as Record<string, unknown>[] });
    }
    return results;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
