/**
 * The lake's SQL, in one place: the demo runs it with DuckDB over the local lake, the CDK app stores it as
 * Athena named queries over the Glue table. Written in the subset both engines share (no engine-specific
 * functions); `processing_date` compares the same whether a partition is typed DATE or text.
 */
export interface LakeQuery {
  /** Stable identifier (named query name, demo label). */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Printed by `pnpm demo`. */
  readonly demo: boolean;
  /** The SQL, given the curated table (an Athena `"db"."table"` or a DuckDB `read_parquet(…)`). */
  readonly sql: (curated: string) => string;
}

/** Latest partition of one dataset: every query reads one snapshot, never several runs at once. */
const latestOf = (curated: string, dataset: string) =>
  `processing_date = (SELECT max(processing_date) FROM ${curated} WHERE dataset = '${dataset}')`;

export const LAKE_QUERIES: readonly LakeQuery[] = [
  {
    id: 'latest_snapshot_per_dataset',
    title: 'Latest snapshot per dataset',
    description: 'For each dataset, its latest processing date, row count and year range.',
    demo: false,
    sql: (curated) => `WITH latest AS (
  SELECT dataset, max(processing_date) AS processing_date FROM ${curated} GROUP BY dataset
)
SELECT c.dataset, c.processing_date, count(*) AS row_count, min(c.year) AS year_from, max(c.year) AS year_to
FROM ${curated} c
JOIN latest l ON c.dataset = l.dataset AND c.processing_date = l.processing_date
GROUP BY c.dataset, c.processing_date
ORDER BY c.dataset`,
  },
  {
    id: 'top_wine_destinations_latest_year',
    title: 'Top destinations of Brazilian wine, latest year (US$)',
    description:
      'The ten countries that bought the most Brazilian wine by value in the latest published year.',
    demo: true,
    sql: (curated) => `SELECT country, year, quantity AS kg, value_usd AS usd
FROM ${curated}
WHERE dataset = 'exportacao_vinho' AND ${latestOf(curated, 'exportacao_vinho')}
  AND NOT is_total AND value_usd IS NOT NULL
  AND year = (SELECT max(year) FROM ${curated} WHERE dataset = 'exportacao_vinho' AND ${latestOf(curated, 'exportacao_vinho')})
ORDER BY value_usd DESC, country
LIMIT 10`,
  },
  {
    id: 'production_by_category_latest_year',
    title: 'Production by category, latest year (L)',
    description:
      'Litres produced per category in the latest year: the category total rows only, never totals plus items.',
    demo: true,
    sql: (curated) => `SELECT category, year, quantity AS litres, quantity_flag AS flag
FROM ${curated}
WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')} AND is_total
  AND year = (SELECT max(year) FROM ${curated} WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')})
ORDER BY quantity DESC NULLS LAST, category`,
  },
  {
    id: 'production_last_ten_years',
    title: 'Total production, last ten years (L)',
    description:
      'Sum of the category totals per year (each litre counted once), the last ten published years.',
    demo: true,
    sql: (curated) => `SELECT year, sum(quantity) AS litres, count(*) AS categories
FROM ${curated}
WHERE dataset = 'producao' AND ${latestOf(curated, 'producao')} AND is_total
GROUP BY year
ORDER BY year DESC
LIMIT 10`,
  },
  {
    id: 'exports_by_country_and_year',
    title: 'Exports by country and year (kg and US$)',
    description:
      'Every export dataset, per country and year, in kilograms and US$, from the latest snapshots.',
    demo: false,
    sql: (curated) => `WITH latest AS (
  SELECT dataset, max(processing_date) AS processing_date FROM ${curated}
  WHERE dataset LIKE 'exportacao%' GROUP BY dataset
)
SELECT c.dataset, c.country, c.year, c.quantity AS kg, c.value_usd AS usd
FROM ${curated} c
JOIN latest l ON c.dataset = l.dataset AND c.processing_date = l.processing_date
WHERE NOT c.is_total
ORDER BY c.dataset, c.year DESC, c.value_usd DESC NULLS LAST`,
  },
];
