import { createRequire } from 'node:module';
import { DATASET_IDS, DATASETS, type DatasetFamily, legacyTipos, TIDY_COLUMNS } from '@vitibrasil/core';
import { z } from 'zod';
import { csvLine } from '../../data/csv.js';
import {
  type AppError,
  InvalidParameter,
  NoPreviousVersion,
  NotAcceptable,
  RateLimited,
  RequestTimeout,
  StaleCursor,
  Unauthorized,
  UnknownDataset,
  UnknownTipo,
  UpstreamUnavailable,
  UriTooLong,
} from '../../errors.js';
import { DATA_ORIGINS, DATA_STATES } from '../../upstream/dataset-cache.js';
import { DOCS_FILES } from '../docs/assets.js';
import { STYLESHEET_PATH } from '../home/stylesheet.js';
import { problemType } from '../problem.js';
import { RowsQuerySchema } from '../rows-query.js';
import {
  CatalogEntrySchema,
  CatalogSchema,
  EXAMPLE_HASH,
  HealthSchema,
  HomeIndexSchema,
  LegacyDocumentSchema,
  LegacyRecordSchema,
  type Problem,
  ProblemSchema,
  QualityReportSchema,
  ReadySchema,
  RevisionsSchema,
  RowsPageSchema,
  TIDY_ROW_EXAMPLES,
  TidyRowDocSchema,
} from './schemas.js';

/** What the running server enforces, so the document tells the truth about it. */
export interface OpenApiOptions {
  /** API_KEYS is set: data routes and /metrics need a key. */
  readonly authRequired: boolean;
  /** RATE_LIMIT_PER_MINUTE > 0: every route but the probes is rate-limited. */
  readonly rateLimited: boolean;
}

type JsonSchema = z.core.JSONSchema.JSONSchema;
interface Ref {
  readonly $ref: string;
}
interface Header {
  readonly description: string;
  readonly schema: JsonSchema;
}
interface MediaType {
  readonly schema?: JsonSchema | Ref;
  readonly example?: unknown;
  readonly examples?: Record<string, { readonly summary: string; readonly value: unknown }>;
}
export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Record<string, Header | Ref>;
  readonly content?: Record<string, MediaType>;
}
interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
  readonly example?: string;
}
interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly Parameter[];
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly responses: Record<string, OpenApiResponse | Ref>;
}
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: readonly { readonly url: string; readonly description: string }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Record<string, { readonly get: Operation }>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly headers: Record<string, Header>;
    readonly responses: Record<string, OpenApiResponse>;
    readonly securitySchemes?: Record<string, unknown>;
  };
}

/** The zod schema behind each component schema: tests parse real responses with the one a response names. */
export const COMPONENT_SCHEMAS = {
  TidyRow: TidyRowDocSchema,
  RowsPage: RowsPageSchema,
  CatalogEntry: CatalogEntrySchema,
  Catalog: CatalogSchema,
  Health: HealthSchema,
  HomeIndex: HomeIndexSchema,
  Ready: ReadySchema,
  Problem: ProblemSchema,
  LegacyRecord: LegacyRecordSchema,
  LegacyDocument: LegacyDocumentSchema,
  QualityReport: QualityReportSchema,
  Revisions: RevisionsSchema,
} as const satisfies Record<string, z.ZodType>;

const JSON_TYPE = 'application/json';
const PROBLEM_TYPE = 'application/problem+json';
const schemaRef = (name: keyof typeof COMPONENT_SCHEMAS): Ref => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: keyof typeof HEADERS): Ref => ({ $ref: `#/components/headers/${name}` });
const responseRef = (name: keyof typeof RESPONSES): Ref => ({ $ref: `#/components/responses/${name}` });

/** One JSON Schema for a zod schema, as OpenAPI 3.1 embeds it (its dialect is the document's). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io });
  return rest;
}

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // Each comes out as a standalone JSON Schema resource; inside the document, dialect and location are implied.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _location, ...schema }]) => [id, schema]),
  );
}

const HEADERS = {
  'X-Request-Id': {
    description: "The request's id in the logs: the client's X-Request-Id when well-formed, else a UUID.",
    schema: { type: 'string' },
  },
  ETag: {
    description: 'Strong validator of this representation; send it back as If-None-Match to get 304.',
    schema: { type: 'string' },
  },
  'Last-Modified': {
    description:
      "When the data last changed (HTTP date): the version's changed_at; for /revisions, when the version served " +
      'replaced the previous one (current.fetched_at).',
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description:
      'Data: `public, max-age=<seconds left of the cache TTL>` (`private` when API keys are required); ' +
      'documents: `no-cache` or a max-age.',
    schema: { type: 'string' },
  },
  'X-Data-Source': {
    description:
      'Where the data came from and its state: `<upstream|disk|bundled>; state=<fresh|stale|stale-if-error>`. ' +
      '`bundled; state=stale-if-error`: the upstream fails and nothing newer is held, so the snapshot bundled ' +
      'with the service is served (Last-Modified is its retrieval date, max-age 0); off with BUNDLED_SNAPSHOT=false.',
    schema: {
      type: 'string',
      pattern: `^(${DATA_ORIGINS.join('|')}); state=(${DATA_STATES.join('|')})$`,
    },
  },
  'X-Data-Fetched-At': {
    description: 'Last time the upstream confirmed the data (ISO 8601).',
    schema: { type: 'string', format: 'date-time' },
  },
  'X-Data-Age': {
    description: 'Seconds since X-Data-Fetched-At.',
    schema: { type: 'integer', minimum: 0 },
  },
  Link: {
    description: 'Next page of a paginated query: `<url>; rel="next"` (absent on the last page).',
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 1 },
  },
  'RateLimit-Policy': {
    description: 'The quota: `<requests>;w=<window seconds>` (IETF RateLimit header fields draft).',
    schema: { type: 'string', examples: ['600;w=60'] },
  },
  'RateLimit-Limit': { description: 'Requests allowed per window.', schema: { type: 'integer', minimum: 1 } },
  'RateLimit-Remaining': {
    description: 'Requests left now (sliding window: last minute counts in proportion to its overlap).',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    description:
      'With nothing remaining: seconds until one more request fits (as Retry-After). Otherwise: seconds until ' +
      'the whole quota is back.',
    schema: { type: 'integer', minimum: 1 },
  },
  'WWW-Authenticate': {
    description: 'The challenge: `Bearer realm="vitibrasil"` (with `error="invalid_token"` for a wrong key).',
    schema: { type: 'string' },
  },
  Location: { description: 'Where the resource is.', schema: { type: 'string' } },
  Vary: {
    description:
      'Request headers the representation depends on: `Accept` (page or JSON index), `Accept-Encoding`, and with ' +
      'API keys `Authorization` and `X-Api-Key`.',
    schema: { type: 'string' },
  },
} satisfies Record<string, Header>;

/** The problem document http/problem.ts sends for an AppError. */
const problemOf = (error: AppError, instance: string): Problem => ({
  type: problemType(error.code),
  title: error.title,
  status: error.status,
  detail: error.message,
  instance,
  code: error.code,
  ...error.extensions(),
});

const problemResponse = (
  description: string,
  examples: Record<string, Problem>,
  headers: Record<string, Ref> = {},
): OpenApiResponse => ({
  description,
  headers: { 'X-Request-Id': headerRef('X-Request-Id'), ...headers },
  content: {
    [PROBLEM_TYPE]: {
      schema: schemaRef('Problem'),
      examples: Object.fromEntries(
        Object.entries(examples).map(([name, value]) => [name, { summary: value.code, value }]),
      ),
    },
  },
});

const RESPONSES = {
  Unauthorized: problemResponse(
    'No API key, or a key that is not configured.',
    { missing: problemOf(new Unauthorized('missing'), '/v1/datasets') },
    { 'WWW-Authenticate': headerRef('WWW-Authenticate') },
  ),
  UnknownParameter: problemResponse('This route takes no query parameters; each one given is listed.', {
    unknown: problemOf(
      new InvalidParameter([{ name: 'year', reason: 'is not a parameter of this route' }]),
      '/v1/datasets',
    ),
  }),
  UriTooLong: problemResponse('The query string is longer than the server accepts (MAX_QUERY_LENGTH).', {
    tooLong: problemOf(new UriTooLong(4100, 2048), '/v1/datasets/producao/rows'),
  }),
  RateLimited: problemResponse(
    'More requests than RATE_LIMIT_PER_MINUTE from this client (API key, else address).',
    { rateLimited: problemOf(new RateLimited(600, 12), '/v1/datasets') },
    {
      'Retry-After': headerRef('Retry-After'),
      'RateLimit-Policy': headerRef('RateLimit-Policy'),
      'RateLimit-Limit': headerRef('RateLimit-Limit'),
      'RateLimit-Remaining': headerRef('RateLimit-Remaining'),
      'RateLimit-Reset': headerRef('RateLimit-Reset'),
    },
  ),
  RequestTimeout: problemResponse(
    'The request did not complete within REQUEST_TIMEOUT_MS.',
    { timeout: problemOf(new RequestTimeout(30_000), '/v1/datasets/producao/rows') },
    { 'Retry-After': headerRef('Retry-After') },
  ),
  DataUnavailable: problemResponse(
    'Nothing is cached for the dataset and the upstream cannot deliver it now (UPSTREAM_UNAVAILABLE), or the ' +
      'request did not complete within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT).',
    {
      upstream: problemOf(
        new UpstreamUnavailable('Producao.csv: upstream request failed: ECONNREFUSED', 30),
        '/v1/datasets/producao/rows',
      ),
      timeout: problemOf(new RequestTimeout(30_000), '/v1/datasets/producao/rows'),
    },
    { 'Retry-After': headerRef('Retry-After') },
  ),
  Error: problemResponse(
    'Any other error, as a problem document: 404 NOT_FOUND, 405 METHOD_NOT_ALLOWED (with Allow), ' +
      '400 MALFORMED_REQUEST, 408 CLIENT_TIMEOUT, 417 EXPECTATION_FAILED, 431 HEADERS_TOO_LARGE, and 500 ' +
      'INTERNAL for a defect (logged with the request id).',
    {},
  ),
} satisfies Record<string, OpenApiResponse>;

const DATA_HEADERS = {
  ETag: headerRef('ETag'),
  'Last-Modified': headerRef('Last-Modified'),
  'Cache-Control': headerRef('Cache-Control'),
  'X-Data-Source': headerRef('X-Data-Source'),
  'X-Data-Fetched-At': headerRef('X-Data-Fetched-At'),
  'X-Data-Age': headerRef('X-Data-Age'),
};

const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': headerRef('RateLimit-Policy'),
  'RateLimit-Limit': headerRef('RateLimit-Limit'),
  'RateLimit-Remaining': headerRef('RateLimit-Remaining'),
  'RateLimit-Reset': headerRef('RateLimit-Reset'),
};

/**
 * Descriptions of the rows query parameters; their names and schemas come from RowsQuerySchema itself. Swagger UI
 * fills "Try it out" with the examples, so together they make one sensible query (year=2023&is_total=true&limit=5).
 */
const ROWS_PARAMETERS: Record<
  keyof z.input<typeof RowsQuerySchema>,
  { description: string; example?: string }
> = {
  year: { description: 'Only this year (four digits).', example: '2023' },
  year_from: { description: 'From this year, inclusive (e.g. 2000).' },
  year_to: { description: 'Up to this year, inclusive; not before year_from.' },
  category: {
    description:
      'Category equals, case- and accent-insensitive (e.g. `vinho de mesa` matches `VINHO DE MESA`).',
  },
  item: { description: 'Item (product or cultivar) equals, case- and accent-insensitive (e.g. `Tinto`).' },
  country: {
    description: 'Partner country equals, case- and accent-insensitive (import/export; e.g. `argentina`).',
  },
  is_total: { description: 'Only category total rows (`true`) or only items (`false`).', example: 'true' },
  format: {
    description:
      '`json` (default): one page, see `limit` and `cursor`. `ndjson` or `csv`: the whole filtered result, ' +
      'one row per line.',
  },
  limit: {
    description: 'Page size for format=json, 1–10000 (default 1000); a 400 with ndjson or csv.',
    example: '5',
  },
  cursor: {
    description:
      'Opaque; the `next_cursor` of the previous page (or its Link header). With other filters than the ' +
      'first page had: 400; after the data changed: 409 STALE_CURSOR.',
  },
};

function rowsQueryParameters(): Parameter[] {
  const query = jsonSchema(RowsQuerySchema, 'input');
  const required = new Set(query.required ?? []);
  return Object.entries(ROWS_PARAMETERS).map(([name, { description, example }]) => {
    const schema = query.properties?.[name];
    if (typeof schema !== 'object') throw new Error(`RowsQuerySchema has no parameter ${name}`);
    return {
      name,
      in: 'query',
      required: required.has(name),
      description,
      schema,
      ...(example === undefined ? {} : { example }),
    };
  });
}

const datasetParameter: Parameter = {
  name: 'dataset',
  in: 'path',
  required: true,
  description: 'Dataset id (see GET /v1/datasets); anything else is a 404 listing the valid ids.',
  schema: jsonSchema(z.enum(DATASET_IDS)),
  example: 'producao',
};

/** The row examples, serialized as the server writes NDJSON and CSV. */
const ndjsonExample = TIDY_ROW_EXAMPLES.map((row) => `${JSON.stringify(row)}\n`).join('');
const csvExample = [
  csvLine(TIDY_COLUMNS),
  ...TIDY_ROW_EXAMPLES.map((row) => csvLine(TIDY_COLUMNS.map((column) => row[column]))),
]
  .map((line) => `${line}\r\n`)
  .join('');

const notModified = (headers: Record<string, Ref>): OpenApiResponse => ({
  description: 'Not Modified: If-None-Match matched the ETag.',
  headers: { 'X-Request-Id': headerRef('X-Request-Id'), ...headers },
});

export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const rateHeaders = options.rateLimited ? RATE_LIMIT_HEADERS : {};
  const ok = (
    description: string,
    content: Record<string, MediaType>,
    headers: Record<string, Ref> = {},
  ): OpenApiResponse => ({
    description,
    headers: { 'X-Request-Id': headerRef('X-Request-Id'), ...rateHeaders, ...headers },
    content,
  });
  // Probes are exempt from the rate limit: no RateLimit headers.
  const probeOk = (description: string, content: Record<string, MediaType>): OpenApiResponse => ({
    description,
    headers: { 'X-Request-Id': headerRef('X-Request-Id') },
    content,
  });

  /** Errors every operation can meet, according to what it is: a probe, an open route or a protected one. */
  const commonErrors = (kind: 'probe' | 'open' | 'protected'): Record<string, Ref> => ({
    ...(kind === 'protected' && options.authRequired ? { '401': responseRef('Unauthorized') } : {}),
    '414': responseRef('UriTooLong'),
    ...(kind !== 'probe' && options.rateLimited ? { '429': responseRef('RateLimited') } : {}),
    default: responseRef('Error'),
  });

  // Either scheme is accepted: two alternative requirements.
  const security: Pick<Operation, 'security'> = options.authRequired
    ? { security: [{ apiKey: [] }, { bearer: [] }] }
    : {};

  const invalidParameter = problemResponse(
    'A query parameter is unknown, repeated or invalid; each is listed.',
    {
      unknown: problemOf(
        new InvalidParameter([{ name: 'colour', reason: 'is not a parameter of this route' }]),
        '/v1/datasets/producao/rows',
      ),
      invalid: problemOf(
        new InvalidParameter([{ name: 'year', reason: 'must be a four-digit year' }]),
        '/v1/datasets/producao/rows',
      ),
    },
  );
  const unknownDataset = problemResponse('No such dataset; valid_values lists the ids.', {
    unknown: problemOf(new UnknownDataset('vinhos', DATASET_IDS), '/v1/datasets/vinhos/rows'),
  });

  const paths: Record<string, { get: Operation }> = {
    '/v1/datasets': {
      get: {
        operationId: 'listDatasets',
        summary: 'The catalog: every dataset and what is cached of it',
        tags: ['datasets'],
        ...security,
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'Every dataset, in catalog order.',
            { [JSON_TYPE]: { schema: schemaRef('Catalog') } },
            {
              'Cache-Control': headerRef('Cache-Control'),
            },
          ),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('protected'),
        },
      },
    },
    '/v1/datasets/{dataset}': {
      get: {
        operationId: 'getDataset',
        summary: 'One catalog entry',
        tags: ['datasets'],
        parameters: [datasetParameter],
        ...security,
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The dataset.',
            { [JSON_TYPE]: { schema: schemaRef('CatalogEntry') } },
            {
              'Cache-Control': headerRef('Cache-Control'),
            },
          ),
          '404': unknownDataset,
          '503': responseRef('RequestTimeout'),
          ...commonErrors('protected'),
        },
      },
    },
    '/v1/datasets/{dataset}/rows': {
      get: {
        operationId: 'getDatasetRows',
        summary: 'Tidy rows of a dataset, filtered; paged JSON, or NDJSON / CSV',
        description:
          'One row per published row and year. Category total rows have `is_total: true`: never add them to ' +
          'their items. Unknown or repeated parameters are a 400.',
        tags: ['datasets'],
        parameters: [datasetParameter, ...rowsQueryParameters()],
        ...security,
        responses: {
          '200': ok(
            'The rows, in the format asked for.',
            {
              [JSON_TYPE]: { schema: schemaRef('RowsPage') },
              'application/x-ndjson': {
                schema: { type: 'string', description: 'One TidyRow as JSON per line (format=ndjson).' },
                example: ndjsonExample,
              },
              'text/csv': {
                schema: {
                  type: 'string',
                  description:
                    'RFC 4180, a header line then one TidyRow per line; null is an empty field (format=csv). ' +
                    "Text a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading `'` " +
                    "(OWASP): the markers `+` and `-` are written `'+` and `'-`. Numbers are written as they are.",
                },
                example: csvExample,
              },
            },
            { ...DATA_HEADERS, Link: headerRef('Link') },
          ),
          '304': notModified(DATA_HEADERS),
          '400': invalidParameter,
          '404': unknownDataset,
          '409': problemResponse('The cursor was issued for an older version of the data: start again.', {
            stale: problemOf(
              new StaleCursor('the dataset changed since this cursor was issued; start again without cursor'),
              '/v1/datasets/producao/rows',
            ),
          }),
          '503': responseRef('DataUnavailable'),
          ...commonErrors('protected'),
        },
      },
    },
    '/v1/datasets/{dataset}/quality': {
      get: {
        operationId: 'getDatasetQuality',
        summary: 'Quality report of the version served: totals against items, marker-only years, anomalies',
        description:
          "Computed once per upstream version, when it is read; checked_at is the version's changed_at, so the " +
          'report and its ETag depend only on the version. Every category-year with at least one item row ' +
          'is compared with its total; equal ones are not listed. The rows stay exactly as published.',
        tags: ['datasets'],
        parameters: [datasetParameter],
        ...security,
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok('The report.', { [JSON_TYPE]: { schema: schemaRef('QualityReport') } }, DATA_HEADERS),
          '304': notModified(DATA_HEADERS),
          '404': unknownDataset,
          '503': responseRef('DataUnavailable'),
          ...commonErrors('protected'),
        },
      },
    },
    '/v1/datasets/{dataset}/revisions': {
      get: {
        operationId: 'getDatasetRevisions',
        summary: 'Rows added, removed and revised by the last upstream release',
        description:
          'Between the version served and the one it replaced while this server ran (only the previous one is ' +
          'kept, in memory). Rows are matched by dataset, category, item, country and year. Last-Modified is when ' +
          'the version served replaced the previous one: content served again after another version (A→B→C→B) ' +
          'is compared with the one it replaced (C), with a new ETag and date. The lake keeps the same comparison ' +
          'between ingest runs, across restarts (revisions/).',
        tags: ['datasets'],
        parameters: [datasetParameter],
        ...security,
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok('The changes.', { [JSON_TYPE]: { schema: schemaRef('Revisions') } }, DATA_HEADERS),
          '304': notModified(DATA_HEADERS),
          '404': problemResponse(
            'No such dataset (valid_values lists the ids), or no previous version of it is held.',
            {
              unknown: problemOf(new UnknownDataset('vinhos', DATASET_IDS), '/v1/datasets/vinhos/revisions'),
              noPrevious: problemOf(
                new NoPreviousVersion('producao', EXAMPLE_HASH),
                '/v1/datasets/producao/revisions',
              ),
            },
          ),
          '503': responseRef('DataUnavailable'),
          ...commonErrors('protected'),
        },
      },
    },
  };

  for (const [family, datasets] of groupByFamily()) {
    const [first] = datasets;
    if (!first) continue;
    const tipos = first.legacy.tipo === null ? [] : legacyTipos(family);
    const path = tipos.length ? `${first.legacy.path}/tipo/{tipo}` : first.legacy.path;
    const files = datasets.map((d) => (d.legacy.tipo === null ? d.file : `${d.legacy.tipo} → ${d.file}`));
    paths[path] = {
      get: {
        operationId: `legacy_${family}`,
        summary: `${first.legacy.path}: ${family} in the original service's shape`,
        description:
          `Legacy route of the original Flask service (${files.join(', ')}); same rows as /v1. ` +
          'Query strings are ignored, as the original service ignored them.',
        tags: ['legacy'],
        ...(tipos.length
          ? {
              parameters: [
                {
                  name: 'tipo',
                  in: 'path',
                  required: true,
                  description: 'Which file of the family; matched case-insensitively.',
                  schema: jsonSchema(z.enum(tipos)),
                  example: tipos[0],
                },
              ],
            }
          : {}),
        ...security,
        responses: {
          '200': ok(
            "The file's rows in the original shape.",
            { [JSON_TYPE]: { schema: schemaRef('LegacyDocument') } },
            DATA_HEADERS,
          ),
          '304': notModified(DATA_HEADERS),
          ...(tipos.length
            ? {
                '404': problemResponse('No such tipo in this family; valid_values lists them.', {
                  unknown: problemOf(new UnknownTipo('Nope', tipos), `${first.legacy.path}/tipo/Nope`),
                }),
              }
            : {}),
          '503': responseRef('DataUnavailable'),
          ...commonErrors('protected'),
        },
      },
    };
  }

  Object.assign(paths, {
    '/': {
      get: {
        operationId: 'home',
        summary: 'Home: a page for browsers, an index of links for JSON clients',
        description:
          'Content negotiation on `Accept`: `text/html` (and `*/*`, or no Accept) gets a page saying what the ' +
          'service is, with each dataset, its state (fresh, stale, stale-if-error; from the upstream, disk or the ' +
          'bundled snapshot), fetched-at, row count, year range, links, and an SVG chart of its yearly total drawn ' +
          'from the cached rows; datasets not held yet say so (a page view never fetches from the upstream). ' +
          '`application/json` gets the index of links. Open when API keys are required; the page then shows the ' +
          'data only to a request with a valid key.',
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The page, or the index of links.',
            {
              'text/html': { schema: { type: 'string' } },
              [JSON_TYPE]: { schema: schemaRef('HomeIndex') },
            },
            { ETag: headerRef('ETag'), 'Cache-Control': headerRef('Cache-Control'), Vary: headerRef('Vary') },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          '406': problemResponse('The Accept header allows neither text/html nor application/json.', {
            notAcceptable: problemOf(new NotAcceptable(['text/html', 'application/json']), '/'),
          }),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('open'),
        },
      },
    },
    '/favicon.ico': {
      get: {
        operationId: 'favicon',
        summary: "The site's icon (Swagger UI's), which browsers ask for on every page",
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The icon (PNG).',
            { 'image/png': {} },
            {
              ETag: headerRef('ETag'),
              'Cache-Control': headerRef('Cache-Control'),
            },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          ...commonErrors('open'),
        },
      },
    },
    [`/${STYLESHEET_PATH}`]: {
      get: {
        operationId: 'homeStylesheet',
        summary: "The home page's stylesheet",
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The stylesheet.',
            { 'text/css': { schema: { type: 'string' } } },
            { ETag: headerRef('ETag'), 'Cache-Control': headerRef('Cache-Control') },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          ...commonErrors('open'),
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'healthz',
        summary: 'Liveness: the process answers',
        tags: ['health'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': probeOk('Alive.', { [JSON_TYPE]: { schema: schemaRef('Health') } }),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('probe'),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: data is cached, the upstream is reachable, or the bundled snapshot can serve',
        tags: ['health'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': probeOk(
            'Ready to serve data (`degraded` while some datasets come from the bundled snapshot).',
            {
              [JSON_TYPE]: { schema: schemaRef('Ready') },
            },
          ),
          '503': responseRef('DataUnavailable'),
          ...commonErrors('probe'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        ...security,
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok('Prometheus text exposition format 0.0.4.', {
            'text/plain; version=0.0.4': {
              schema: { type: 'string' },
              example:
                '# HELP http_requests_total HTTP requests answered, by method, route template and status.\n' +
                '# TYPE http_requests_total counter\n' +
                'http_requests_total{method="GET",route="/v1/datasets",status="200"} 3\n',
            },
          }),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('protected'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document (OpenAPI 3.1)',
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The OpenAPI document of this server.',
            { [JSON_TYPE]: { schema: { type: 'object' } } },
            { ETag: headerRef('ETag'), 'Cache-Control': headerRef('Cache-Control') },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('open'),
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'docsRedirect',
        summary: 'Redirects to /docs/',
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '301': {
            description: 'The documentation page is /docs/ (relative assets resolve under it).',
            headers: { 'X-Request-Id': headerRef('X-Request-Id'), Location: headerRef('Location') },
          },
          ...commonErrors('open'),
        },
      },
    },
    '/docs/': {
      get: {
        operationId: 'docs',
        summary: 'Interactive documentation (Swagger UI), served entirely by this server',
        tags: ['documentation'],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The Swagger UI page.',
            { 'text/html': { schema: { type: 'string' } } },
            { ETag: headerRef('ETag'), 'Cache-Control': headerRef('Cache-Control') },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          ...commonErrors('open'),
        },
      },
    },
    '/docs/{file}': {
      get: {
        operationId: 'docsFile',
        summary: "A file of the documentation page (Swagger UI's assets, served from this server)",
        tags: ['documentation'],
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            description: 'One of a fixed list of files; anything else is a 404.',
            schema: jsonSchema(z.enum(DOCS_FILES)),
            example: 'swagger-ui.css',
          },
        ],
        responses: {
          '400': responseRef('UnknownParameter'),
          '200': ok(
            'The file.',
            {
              'text/css': { schema: { type: 'string' } },
              'text/javascript': { schema: { type: 'string' } },
              'image/png': {},
            },
            { ETag: headerRef('ETag'), 'Cache-Control': headerRef('Cache-Control') },
          ),
          '304': notModified({ ETag: headerRef('ETag') }),
          '503': responseRef('RequestTimeout'),
          ...commonErrors('open'),
        },
      },
    },
  } satisfies Record<string, { get: Operation }>);

  return {
    openapi: '3.1.0',
    info: {
      title: 'Vitibrasil data service',
      version: packageVersion(),
      description:
        "Brazil's wine-industry statistics as Embrapa publishes them (Vitibrasil): tidy rows under /v1, the " +
        "original service's routes, health and metrics. Every error is an RFC 9457 problem document " +
        '(application/problem+json) with a stable `code`. Every GET operation also answers HEAD (same headers, no ' +
        'body); OPTIONS answers 204 with `Allow`. When rate limiting is on, every response of a limited route ' +
        'carries the RateLimit-* headers, errors and 304s included.' +
        (options.authRequired
          ? ' Data routes and /metrics need an API key, sent as `x-api-key: <key>` or ' +
            '`Authorization: Bearer <key>`; health, this document and /docs are open.'
          : ''),
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'datasets', description: 'Catalog and tidy rows (/v1).' },
      { name: 'legacy', description: "The original Flask service's routes and JSON shape." },
      { name: 'health', description: 'Probes for load balancers and orchestrators.' },
      { name: 'operations', description: 'Metrics.' },
      { name: 'documentation', description: 'The home page, this document and its interactive page.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      headers: HEADERS,
      responses: RESPONSES,
      ...(options.authRequired
        ? {
            securitySchemes: {
              apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'One of API_KEYS.' },
              bearer: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS, as a bearer token.' },
            },
          }
        : {}),
    },
  };
}

function groupByFamily(): Map<DatasetFamily, (typeof DATASETS)[number][]> {
  const byFamily = new Map<DatasetFamily, (typeof DATASETS)[number][]>();
  for (const dataset of DATASETS)
    byFamily.set(dataset.family, [...(byFamily.get(dataset.family) ?? []), dataset]);
  return byFamily;
}

function packageVersion(): string {
  const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };
  return version;
}
