import {
  ChangeCountsSchema,
  DATASET_IDS,
  type DatasetFamily,
  QualityChecksSchema,
  QualitySummarySchema,
  RevisionSchema,
  type TidyRow,
  TidyRowSchema,
} from '@vitibrasil/core';
import { z } from 'zod';
import { DATA_ORIGINS, DATA_STATES } from '../../upstream/dataset-cache.js';

/*
 * Response bodies as zod schemas. The code that builds them is typed by `z.infer` of these, the OpenAPI document
 * is generated from them, and the tests parse real responses with them: one definition, no copy to drift.
 */

/** Adds a description and examples; the examples are type-checked against the schema's own output. */
const documented = <S extends z.ZodType>(schema: S, description: string, examples: z.output<S>[]): S =>
  schema.meta({ description, examples });

const FAMILIES = [
  'producao',
  'processamento',
  'comercializacao',
  'importacao',
  'exportacao',
] as const satisfies readonly DatasetFamily[];

const timestamp = z.iso.datetime();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();

/** Producao.csv of the 2025-06 release. */
export const EXAMPLE_HASH = 'b6ec34cc43dceceea9edee189a8d499b718315d01633b7eb20d4885b2c5f8f54';

/** Real rows (Producao.csv, ImpSuco.csv), for the document's examples. */
export const TIDY_ROW_EXAMPLES: readonly TidyRow[] = [
  {
    dataset: 'producao',
    category: 'VINHO DE MESA',
    item: null,
    country: null,
    year: 2023,
    quantity: 169762429,
    quantity_flag: null,
    value_usd: null,
    value_flag: null,
    unit: 'L',
    is_total: true,
  },
  {
    dataset: 'importacao_suco',
    category: null,
    item: null,
    country: 'Argentina',
    year: 2000,
    quantity: 2022110,
    quantity_flag: null,
    value_usd: 1659478,
    value_flag: null,
    unit: 'kg',
    is_total: false,
  },
];

/** The tidy row of @vitibrasil/core with examples for the document; it validates exactly as TidyRowSchema. */
export const TidyRowDocSchema = documented(
  TidyRowSchema,
  'One observation: a published row (a category total or an item) and one year.',
  [...TIDY_ROW_EXAMPLES],
);

export const RowsPageSchema = documented(
  z
    .object({
      dataset: z.enum(DATASET_IDS),
      content_hash: sha256Hex.describe('SHA-256 of the upstream file the rows were read from.'),
      total: count.describe('Rows matching the filters, over all pages.'),
      offset: count.describe('Position of the first row of this page among the matching rows.'),
      limit: z.number().int().min(1).describe('Page size (the `limit` parameter, default 1000).'),
      next_cursor: z
        .string()
        .nullable()
        .describe('Pass as `cursor` for the next page (also in the Link header); null on the last page.'),
      rows: z.array(TidyRowDocSchema),
    })
    .strict(),
  'A page of tidy rows (format=json).',
  [
    {
      dataset: 'producao',
      content_hash: EXAMPLE_HASH,
      total: 4,
      offset: 0,
      limit: 1,
      next_cursor: 'YjZlYzM0Y2M0M2RjLlNWbUNfSnpQYVEuMQ',
      rows: TIDY_ROW_EXAMPLES.slice(0, 1),
    },
  ],
);
export type RowsPage = z.infer<typeof RowsPageSchema>;

const HeaderYearNoteSchema = documented(
  z
    .object({
      column: z.number().int().min(1).describe('Position of the column in the line, from 1.'),
      label: z.string().describe('The year label as published.'),
      year: z
        .number()
        .int()
        .describe('The year the column was read as: its position counted from the first year.'),
      measure: z.enum(['quantity', 'value_usd']),
    })
    .strict(),
  'A year column whose label disagrees with its position; it was read by position.',
  [
    // ImpSuco.csv of the 2023 release: the 2022 pair labelled 2021.
    { column: 107, label: '2021', year: 2022, measure: 'quantity' },
    { column: 108, label: '2021', year: 2022, measure: 'value_usd' },
  ],
);

const ReadingNotesSchema = z
  .object({
    header: z
      .enum(['published', 'absent'])
      .describe(
        "absent: the file began with data; its columns were named by position (years from 1970) and the legacy route uses the latest release's header names.",
      ),
    header_years: z
      .array(HeaderYearNoteSchema)
      .describe(
        'Year columns read by position against their published label; empty when every label agrees.',
      ),
  })
  .strict()
  .describe("How the file was read where it departs from the way Embrapa's latest releases are written.");
export type ReadingNotesBody = z.infer<typeof ReadingNotesSchema>;

const CachedStateSchema = z
  .object({
    state: z
      .enum(DATA_STATES)
      .describe(
        'fresh: within the TTL; stale: past it, refresh under way; stale-if-error: last refresh failed.',
      ),
    origin: z
      .enum(DATA_ORIGINS)
      .describe(
        'Where this process got the copy: the upstream, CACHE_DIR (restored at start), or the bundled snapshot ' +
          '(the last resort while the upstream fails and nothing else is held).',
      ),
    release: z
      .string()
      .nullable()
      .describe("The bundled snapshot's release label (e.g. 2025-06) when origin is bundled, else null."),
    fetched_at: timestamp.describe('Last time the upstream confirmed this content.'),
    changed_at: timestamp.describe("When this content was first seen (or the upstream's Last-Modified)."),
    content_hash: sha256Hex.describe('SHA-256 of the upstream bytes.'),
    bytes: count,
    row_count: count.describe('Tidy rows (published rows × years).'),
    published_rows: count.describe('Rows of the published table.'),
    year_from: z.number().int().nullable(),
    year_to: z.number().int().nullable(),
    encoding: z.enum(['utf-8', 'windows-1252']),
    delimiter: z.enum(['tab', 'semicolon']),
    notes: ReadingNotesSchema,
    quality: QualitySummarySchema.describe("Counts of the version's quality report (see quality_url)."),
    previous: z
      .object({
        content_hash: sha256Hex,
        fetched_at: timestamp.describe(
          'Last time the upstream confirmed it, before this version replaced it.',
        ),
        ...ChangeCountsSchema.shape,
      })
      .strict()
      .nullable()
      .describe(
        'The version this one replaced while the server ran, with the rows added, removed and revised since ' +
          '(see revisions_url); null when none is held.',
      ),
  })
  .strict();

export const CatalogEntrySchema = documented(
  z
    .object({
      id: z.enum(DATASET_IDS),
      title: z.string(),
      family: z.enum(FAMILIES),
      unit: z.enum(['L', 'kg']),
      measures: z.array(z.enum(['quantity', 'value_usd'])).min(1),
      upstream_url: z.url().describe("The file in Embrapa's download folder (or the configured mirror)."),
      legacy_route: z.string().startsWith('/').describe('Path of the legacy route serving this dataset.'),
      rows_url: z.string().startsWith('/'),
      quality_url: z.string().startsWith('/'),
      revisions_url: z.string().startsWith('/'),
      cached: CachedStateSchema.nullable().describe('What is held of the dataset; null while nothing is.'),
      last_error: z
        .object({ at: timestamp, code: z.string(), message: z.string() })
        .strict()
        .nullable()
        .describe(
          'Last failure of the upstream for this file (a cached copy may still be served). Codes: ' +
            'UPSTREAM_HTTP_ERROR, UPSTREAM_NETWORK_ERROR, UPSTREAM_TOO_LARGE, MALFORMED_UPSTREAM_FILE, ' +
            'SUSPICIOUS_UPSTREAM_FILE (beyond the shape limits, or far fewer rows than the copy served), ' +
            'READER_OUT_OF_MEMORY, READER_TIMEOUT, READER_CRASHED.',
        ),
    })
    .strict(),
  'A dataset of the catalog and what is cached of it.',
  [
    {
      id: 'producao',
      title: 'Produção de vinhos, sucos e derivados',
      family: 'producao',
      unit: 'L',
      measures: ['quantity'],
      upstream_url: 'http://vitibrasil.cnpuv.embrapa.br/download/Producao.csv',
      legacy_route: '/producaoCSV',
      rows_url: '/v1/datasets/producao/rows',
      quality_url: '/v1/datasets/producao/quality',
      revisions_url: '/v1/datasets/producao/revisions',
      cached: {
        state: 'fresh',
        origin: 'upstream',
        release: null,
        fetched_at: '2025-06-30T12:00:00.000Z',
        changed_at: '2025-06-30T12:00:00.000Z',
        content_hash: EXAMPLE_HASH,
        bytes: 14176,
        row_count: 2754,
        published_rows: 51,
        year_from: 1970,
        year_to: 2023,
        encoding: 'utf-8',
        delimiter: 'semicolon',
        notes: { header: 'published', header_years: [] },
        quality: {
          discrepancy: 0,
          rounding: 2,
          incomplete: 0,
          marker_only_years: 0,
          negative: 0,
          non_integer: 0,
          year_absent: 0,
          year_duplicated: 0,
        },
        previous: null,
      },
      last_error: null,
    },
  ],
);
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const CatalogSchema = z
  .object({ datasets: z.array(CatalogEntrySchema) })
  .strict()
  .describe('The 15 datasets, in catalog order.');
export type Catalog = z.infer<typeof CatalogSchema>;

/** Comercio.csv of the 2025-06 release, and a made-up later version of Producao.csv. */
const COMERCIO_HASH = 'e6ca21adc9eb00ec357ff4fa9b7f4d204fe7cd0d473e8dc7e30095880e4b302f';
const LATER_HASH = '5d1f0c8a2e7b4d9c3a6f1e8b7d2c5a9f4e3b6d1c8a7f2e5b9c4d3a6f1e8b7d2c';

export const QualityReportSchema = documented(
  z
    .object({
      dataset: z.enum(DATASET_IDS),
      content_hash: sha256Hex.describe('SHA-256 of the upstream file: the version the report describes.'),
      checked_at: timestamp.describe(
        "The version's changed_at (as in the catalog, and the response's Last-Modified). The checks depend on the " +
          'published bytes alone and are run once when the version is read, so they hold from when it changed; ' +
          'the report, its ETag and its Last-Modified are the same from every server holding this version.',
      ),
      notes: ReadingNotesSchema,
      ...QualityChecksSchema.shape,
    })
    .strict(),
  'The consistency report of one upstream version, computed once when the version is read. It describes the rows ' +
    'as published and never alters them: a user who adds up items may get another number than the total.',
  [
    {
      dataset: 'comercializacao',
      content_hash: COMERCIO_HASH,
      checked_at: '2025-06-30T12:00:00.000Z',
      notes: { header: 'published', header_years: [] },
      totals_mismatches: [
        {
          category: 'VINHO DE MESA',
          year: 2007,
          total: 226710045,
          items_sum: 221901429,
          difference: 4808616,
          items: 3,
          items_with_markers: 0,
          kind: 'discrepancy',
        },
      ],
      marker_only_years: [],
      anomalies: [],
      rows_by_year: [{ year: 2007, rows: 62, quantity_markers: 0, quantity_empty: 0 }],
      summary: {
        discrepancy: 1,
        rounding: 0,
        incomplete: 0,
        marker_only_years: 0,
        negative: 0,
        non_integer: 0,
        year_absent: 0,
        year_duplicated: 0,
      },
    },
  ],
);
export type QualityReport = z.infer<typeof QualityReportSchema>;

const VersionSchema = z
  .object({
    content_hash: sha256Hex.describe('SHA-256 of the upstream file.'),
    changed_at: timestamp.describe("When the content was first seen (or the upstream's Last-Modified)."),
    fetched_at: timestamp,
  })
  .strict();

export const RevisionsSchema = documented(
  z
    .object({
      dataset: z.enum(DATASET_IDS),
      previous: VersionSchema.describe(
        'The version replaced; fetched_at is the last time the upstream confirmed it.',
      ),
      current: VersionSchema.describe(
        "The version served now; fetched_at is when it was received and replaced the previous one (the response's " +
          'Last-Modified: when this comparison came to be).',
      ),
      summary: ChangeCountsSchema,
      changes: z
        .array(RevisionSchema)
        .describe('Revised and added rows in the current published order, then removed rows.'),
    })
    .strict(),
  'What the last upstream release changed: the rows added, removed and revised between the version this server ' +
    'held before and the one it serves now.',
  [
    {
      dataset: 'producao',
      previous: {
        content_hash: EXAMPLE_HASH,
        changed_at: '2025-06-30T12:00:00.000Z',
        fetched_at: '2025-07-14T09:00:00.000Z',
      },
      current: {
        content_hash: LATER_HASH,
        changed_at: '2025-07-15T09:00:00.000Z',
        fetched_at: '2025-07-15T09:00:00.000Z',
      },
      summary: { added: 0, removed: 0, revised: 1 },
      changes: [
        {
          dataset: 'producao',
          category: 'VINHO DE MESA',
          item: 'Tinto',
          country: null,
          year: 2023,
          change: 'revised',
          old_quantity: 139320884,
          new_quantity: 139320984,
          old_value_usd: null,
          new_value_usd: null,
          old_flag: null,
          new_flag: null,
          old_value_flag: null,
          new_value_flag: null,
        },
      ],
    },
  ],
);
export type Revisions = z.infer<typeof RevisionsSchema>;

const path = z.string().startsWith('/');

export const HomeIndexSchema = documented(
  z
    .object({
      service: z.string(),
      description: z.string(),
      links: z
        .object({
          home: path.describe(
            'This index; browsers (Accept: text/html) get a page with each dataset and a chart.',
          ),
          docs: path.describe('Interactive documentation (Swagger UI).'),
          openapi: path.describe('The OpenAPI 3.1 document.'),
          catalog: path.describe('Every dataset and what is cached of it.'),
          health: path,
          ready: path,
          metrics: path.describe('Prometheus metrics.'),
        })
        .strict(),
      datasets: z
        .array(
          z
            .object({
              id: z.enum(DATASET_IDS),
              title: z.string(),
              catalog_url: path,
              rows_url: path.describe('Paged JSON rows.'),
              csv_url: path.describe('Every row as CSV.'),
              legacy_route: path.describe("The original service's route for this dataset."),
            })
            .strict(),
        )
        .describe('The 15 datasets, in catalog order.'),
    })
    .strict(),
  'Where everything is: the index of links GET / sends to clients asking for JSON. Paths are absolute on this server.',
  [
    {
      service: 'Vitibrasil data service',
      description: "Brazil's wine-industry statistics as Embrapa publishes them (Vitibrasil).",
      links: {
        home: '/',
        docs: '/docs/',
        openapi: '/openapi.json',
        catalog: '/v1/datasets',
        health: '/healthz',
        ready: '/readyz',
        metrics: '/metrics',
      },
      datasets: [
        {
          id: 'producao',
          title: 'Produção de vinhos, sucos e derivados',
          catalog_url: '/v1/datasets/producao',
          rows_url: '/v1/datasets/producao/rows',
          csv_url: '/v1/datasets/producao/rows?format=csv',
          legacy_route: '/producaoCSV',
        },
      ],
    },
  ],
);
export type HomeIndex = z.infer<typeof HomeIndexSchema>;

export const HealthSchema = z.object({ status: z.literal('ok') }).strict();
export type Health = z.infer<typeof HealthSchema>;

export const ReadySchema = z
  .object({
    status: z
      .enum(['ready', 'degraded'])
      .describe('degraded: data is served, but some datasets only from the bundled snapshot.'),
    bundled: z.array(z.enum(DATASET_IDS)).describe('Datasets served from the bundled snapshot now.'),
  })
  .strict();
export type Ready = z.infer<typeof ReadySchema>;

/** What http/problem.ts sends, with every extension member an AppError in errors.ts can add. */
export const ProblemSchema = documented(
  z
    .object({
      type: z
        .string()
        .describe('URN naming the kind of failure, e.g. urn:vitibrasil:problem:unknown-dataset.'),
      title: z.string(),
      status: z.number().int().min(400).max(599),
      detail: z.string().describe('What went wrong with this request, for humans.'),
      instance: z.string().describe('Path of the request.'),
      code: z
        .string()
        .regex(/^[A-Z_]+$/)
        .describe('Stable machine-readable code, the same as `type` in SCREAMING_CASE.'),
      invalid_params: z
        .array(z.object({ name: z.string(), reason: z.string() }).strict())
        .min(1)
        .optional()
        .describe('400: every parameter that was refused, and why.'),
      valid_values: z
        .array(z.string())
        .optional()
        .describe(
          '404 for an unknown dataset or tipo: the values that exist. 406: the media types the route can send.',
        ),
      retry_after_seconds: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('429: seconds to wait, as in Retry-After.'),
    })
    .strict(),
  'An RFC 9457 problem document; every error answer of this API is one (application/problem+json).',
  [
    {
      type: 'urn:vitibrasil:problem:invalid-parameter',
      title: 'Invalid request parameter',
      status: 400,
      detail: 'year: must be a four-digit year',
      instance: '/v1/datasets/producao/rows',
      code: 'INVALID_PARAMETER',
      invalid_params: [{ name: 'year', reason: 'must be a four-digit year' }],
    },
  ],
);
export type Problem = z.infer<typeof ProblemSchema>;

export const LegacyRecordSchema = z
  .record(z.string(), z.union([z.number(), z.string()]))
  .describe(
    'One published row: the header names as published (`id`, `control`, `produto`/`cultivar`, or `Id`, `País`) ' +
      'and one key per year (`YYYY.1` for the US$ column of import/export files). Empty cells are 0; markers ' +
      'such as `*` or `nd` stay text.',
  );

export const LegacyDocumentSchema = documented(
  z.union([z.array(LegacyRecordSchema), z.record(z.string(), z.array(LegacyRecordSchema))]),
  "The original Flask service's shape. Files with category rows: an object keyed by the category row's " +
    '`control`, each holding its records (total row first, without `control`). Other files: an array of ' +
    'records with `control` when the file has that column. Keys are sorted as the original sent them.',
  [
    {
      'VINHO DE MESA': [
        { '2022': 195031611, '2023': 169762429, id: 1, produto: 'VINHO DE MESA' },
        { '2022': 162844214, '2023': 139320884, id: 2, produto: 'Tinto' },
      ],
    },
    [{ '2023': 0, '2023.1': 0, Id: 3, País: 'Argentina' }],
  ],
);
