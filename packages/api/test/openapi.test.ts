import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Router } from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { TIDY_COLUMNS } from '@vitibrasil/core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_FILES } from '../src/http/docs/assets.js';
import {
  COMPONENT_SCHEMAS,
  type OpenApiDocument,
  type OpenApiResponse,
} from '../src/http/openapi/document.js';
import { ProblemSchema, TidyRowDocSchema } from '../src/http/openapi/schemas.js';
import { RowsQuerySchema } from '../src/http/rows-query.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

const KEY = 'openapi-test-key-0123456789';

type Operation = OpenApiDocument['paths'][string]['get'];

/** Follows a local `$ref` (`#/components/<kind>/<name>`) once. */
function deref<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return value;
  const [, , kind = '', name = ''] = value.$ref.split('/');
  const target = (doc.components as unknown as Record<string, Record<string, T>>)[kind]?.[name];
  if (target === undefined) throw new Error(`dangling $ref ${value.$ref}`);
  return target;
}

/** Every `METHOD /path` (Koa syntax) the app's routers register; HEAD comes with GET. */
function registeredRoutes(app: { readonly middleware: readonly unknown[] }): string[] {
  const routes = new Set<string>();
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: Router }).router;
    for (const layer of router?.stack ?? []) {
      for (const method of layer.methods)
        if (method !== 'HEAD') routes.add(`${method} ${String(layer.path)}`);
    }
  }
  return [...routes].sort();
}

const documentedRoutes = (doc: OpenApiDocument): string[] =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();

/** A concrete path for a template, from its path parameters' examples. */
function examplePath(template: string, operation: Operation): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const example = operation.parameters?.find((p) => p.in === 'path' && p.name === name)?.example;
    if (example === undefined) throw new Error(`${template}: path parameter ${name} has no example`);
    return example;
  });
}

const mediaType = (value: string) => {
  const [base = '', ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  return { base, params };
};

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * Checks a real answer against what the document says of its operation and status: the status is documented,
 * every documented header is sent (Link only when there is a next page), the content type is one of the
 * documented ones, and a body whose documented schema is a component parses with that component's zod schema.
 * Returns the parsed body.
 */
function conforms(doc: OpenApiDocument, template: string, answer: Answer): unknown {
  const operation = doc.paths[template]?.get;
  if (!operation) throw new Error(`${template} is not documented`);
  const label = `GET ${template} → ${answer.status}`;
  const declared = operation.responses[String(answer.status)];
  if (!declared) throw new Error(`${label} is not documented`);
  const response = deref<OpenApiResponse>(doc, declared);
  for (const name of Object.keys(response.headers ?? {})) {
    if (name === 'Link' && answer.status === 200) continue;
    expect(answer.headers.get(name), `${label}: header ${name}`).not.toBeNull();
  }
  if (!response.content) return undefined;
  const type = mediaType(answer.headers.get('content-type') ?? '');
  const entry = Object.entries(response.content).find(([key]) => {
    const documented = mediaType(key);
    return documented.base === type.base && documented.params.every((p) => type.params.includes(p));
  });
  expect(entry, `${label}: content type ${type.base} is documented`).toBeDefined();
  const ref = entry?.[1].schema?.$ref;
  if (!ref) return answer.text;
  const name = ref.split('/').pop() as keyof typeof COMPONENT_SCHEMAS;
  const schema = COMPONENT_SCHEMAS[name];
  expect(schema, `${label}: ${ref} is a known component`).toBeDefined();
  return schema.parse(JSON.parse(answer.text));
}

const get = async (url: string, headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await fetch(url, { headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
};

describe('the OpenAPI document', () => {
  let upstream: StaticUpstream;
  let api: TestApi;
  let keyed: TestApi;
  let doc: OpenApiDocument;
  let keyedDoc: OpenApiDocument;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    [api, keyed] = await Promise.all([
      startTestApi(upstream.url),
      startTestApi(upstream.url, { API_KEYS: KEY }),
    ]);
    doc = (await (await api.get('/openapi.json')).json()) as OpenApiDocument;
    keyedDoc = (await (await keyed.get('/openapi.json')).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    for (const running of [api, keyed]) {
      await running?.close();
      if (running) await removeDir(running.cacheDir);
    }
    await upstream?.close();
  });

  it('is valid OpenAPI 3.1, with and without API keys', async () => {
    for (const server of [api, keyed]) {
      const document = (await (await server.get('/openapi.json')).json()) as Record<string, unknown>;
      expect(document.openapi).toBe('3.1.0');
      const result = await new Validator().validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    }
  });

  it('documents every route the routers register, and only those', () => {
    expect(documentedRoutes(doc)).toEqual(registeredRoutes(api.api.app));
  });

  it('is built once and served with an ETag: 304 on If-None-Match', async () => {
    // undici.request: fetch would add `cache-control: no-cache` to a conditional request, and ask for a
    // compressed representation, which has an ETag of its own.
    const first = await request(`${api.url}/openapi.json`);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(await first.body.json()).toEqual(doc);
    const again = await request(`${api.url}/openapi.json`);
    await again.body.dump();
    expect(again.headers.etag).toBe(etag);
    const conditional = await request(`${api.url}/openapi.json`, {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(conditional.statusCode).toBe(304);
    await conditional.body.dump();
  });

  it('generates the component schemas from the zod schemas, examples included and valid', () => {
    expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(COMPONENT_SCHEMAS).sort());
    for (const [name, schema] of Object.entries(COMPONENT_SCHEMAS)) {
      const examples = (doc.components.schemas[name] as { examples?: unknown[] }).examples ?? [];
      for (const example of examples) expect(() => schema.parse(example), name).not.toThrow();
    }
    expect(doc.components.schemas.TidyRow?.required).toEqual(TIDY_COLUMNS);
  });

  it('derives the rows parameters from RowsQuerySchema, with valid examples', () => {
    const operation = doc.paths['/v1/datasets/{dataset}/rows']?.get;
    const query = operation?.parameters?.filter((p) => p.in === 'query') ?? [];
    expect(query.map((p) => p.name).sort()).toEqual(Object.keys(RowsQuerySchema.shape).sort());
    const examples: Record<string, string> = {};
    for (const parameter of query) {
      expect(parameter.required).toBe(false);
      if (parameter.example !== undefined) examples[parameter.name] = parameter.example;
    }
    // Swagger UI sends all of them together on "Try it out".
    expect(Object.keys(examples).length).toBeGreaterThan(0);
    expect(RowsQuerySchema.safeParse(examples).success).toBe(true);
  });

  it('gives every problem example the shape http/problem.ts sends', () => {
    const responses: OpenApiResponse[] = [
      ...Object.values(doc.components.responses),
      ...Object.values(doc.paths).flatMap((item) => Object.values(item.get.responses) as OpenApiResponse[]),
    ];
    let count = 0;
    for (const response of responses) {
      for (const example of Object.values(response.content?.['application/problem+json']?.examples ?? {})) {
        ProblemSchema.parse(example.value);
        count++;
      }
    }
    expect(count).toBeGreaterThan(8);
  });

  it('declares API keys only when they are configured, and exactly where the server asks for them', async () => {
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(Object.values(doc.paths).every((item) => item.get.security === undefined)).toBe(true);
    expect(keyedDoc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    const open: string[] = [];
    for (const [template, item] of Object.entries(keyedDoc.paths)) {
      const operation = item.get;
      const answer = await get(keyed.url + examplePath(template, operation));
      if (operation.security) {
        expect(operation.security, template).toEqual([{ apiKey: [] }, { bearer: [] }]);
        expect(answer.status, template).toBe(401);
        const problem = conforms(keyedDoc, template, answer);
        expect(problem).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="vitibrasil"');
      } else {
        expect(answer.status, template).not.toBe(401);
        open.push(template);
      }
    }
    expect(open.sort()).toEqual([
      '/',
      '/docs',
      '/docs/',
      '/docs/{file}',
      '/favicon.ico',
      '/healthz',
      '/home.css',
      '/openapi.json',
      '/readyz',
    ]);
    const withKey = await get(`${keyed.url}/metrics`, { authorization: `Bearer ${KEY}` });
    expect(withKey.status).toBe(200);
    conforms(keyedDoc, '/metrics', withKey);
  });

  it('serves /docs/ and its assets from swagger-ui-dist, and no other file', async () => {
    const redirect = await get(`${api.url}/docs`);
    expect(redirect.status).toBe(301);
    expect(new URL(redirect.headers.get('location') ?? '', `${api.url}/docs`).href).toBe(`${api.url}/docs/`);

    const page = await get(`${api.url}/docs/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // Only relative, same-origin URLs, and no inline script (the CSP allows `script-src 'self'` only).
    expect(page.text).not.toMatch(/(?:src|href)="(?!\.\/)/);
    expect(page.text).not.toMatch(/<script>/);

    const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    for (const name of DOCS_FILES) {
      const response = await request(`${api.url}/docs/${name}`);
      const bytes = Buffer.from(await response.body.arrayBuffer());
      expect(response.statusCode, name).toBe(200);
      expect(response.headers.etag, name).toMatch(/^"[\w-]+"$/);
      expect(response.headers['cache-control'], name).toMatch(/^(no-cache|public, max-age=\d+)$/);
      if (name === 'swagger-initializer.js') expect(bytes.toString()).toContain("url: '../openapi.json'");
      else expect(bytes.equals(await readFile(join(dist, name))), name).toBe(true);
      const again = await request(`${api.url}/docs/${name}`, {
        headers: { 'if-none-match': String(response.headers.etag) },
      });
      await again.body.dump();
      expect(again.statusCode, name).toBe(304);
    }

    for (const name of [
      'package.json',
      '..%2Fpackage.json',
      '%2e%2e%2F%2e%2e%2Fpackage.json',
      'index.js',
      'x.map',
    ]) {
      const answer = await get(`${api.url}/docs/${name}`);
      expect(answer.status, name).toBe(404);
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('answers 414 on any route as documented', async () => {
    const answer = await get(`${api.url}/v1/datasets?q=${'a'.repeat(5000)}`);
    expect(answer.status).toBe(414);
    expect(conforms(doc, '/v1/datasets', answer)).toMatchObject({ code: 'URI_TOO_LONG' });
  });

  describe('against real responses', () => {
    it('every operation answers its example request as documented', async () => {
      for (const [template, item] of Object.entries(doc.paths)) {
        const answer = await get(api.url + examplePath(template, item.get));
        // Revisions need a second upstream version (test/revisions.test.ts): with one, the documented 404.
        if (template === '/v1/datasets/{dataset}/revisions') {
          expect(answer.status).toBe(404);
          expect(conforms(doc, template, answer)).toMatchObject({ code: 'NO_PREVIOUS_VERSION' });
          continue;
        }
        expect([200, 301], template).toContain(answer.status);
        conforms(doc, template, answer);
      }
    });

    it('paged JSON, NDJSON and CSV rows match the document', async () => {
      const rows = '/v1/datasets/{dataset}/rows';
      const page = await get(`${api.url}/v1/datasets/producao/rows?limit=2&year_from=2020`);
      expect(page.headers.get('link')).toMatch(/rel="next"/);
      expect(conforms(doc, rows, page)).toMatchObject({ dataset: 'producao', limit: 2, offset: 0 });

      const ndjson = await get(`${api.url}/v1/datasets/importacao_suco/rows?format=ndjson&year=2023`);
      conforms(doc, rows, ndjson);
      const lines = ndjson.text.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) TidyRowDocSchema.parse(JSON.parse(line));

      const csv = await get(`${api.url}/v1/datasets/processamento_viniferas/rows?format=csv&year=2023`);
      conforms(doc, rows, csv);
      expect(csv.text.split('\r\n')[0]).toBe(TIDY_COLUMNS.join(','));

      const notModified = await request(`${api.url}/v1/datasets/producao/rows?limit=2&year_from=2020`, {
        headers: {
          'if-none-match': page.headers.get('etag') ?? '',
          'accept-encoding': 'gzip, deflate, br, zstd',
        },
      });
      await notModified.body.dump();
      expect(notModified.statusCode).toBe(304);
      expect(doc.paths[rows]?.get.responses['304']).toBeDefined();
    });

    it('every legacy route of every family answers the documented shape', async () => {
      for (const [template, item] of Object.entries(doc.paths)) {
        if (!item.get.tags.includes('legacy')) continue;
        const tipos = item.get.parameters?.find((p) => p.name === 'tipo')?.schema.enum ?? [null];
        for (const tipo of tipos) {
          const path = template.replace('{tipo}', String(tipo));
          const answer = await get(api.url + path);
          expect(answer.status, path).toBe(200);
          conforms(doc, template, answer);
        }
      }
    });

    it('errors are documented problems: 400 unknown parameter, 404 unknown dataset, tipo or file', async () => {
      const cases: [string, string, number, string][] = [
        ['/v1/datasets/producao/rows?colour=red', '/v1/datasets/{dataset}/rows', 400, 'INVALID_PARAMETER'],
        ['/v1/datasets/vinhos', '/v1/datasets/{dataset}', 404, 'UNKNOWN_DATASET'],
        ['/v1/datasets/vinhos/rows', '/v1/datasets/{dataset}/rows', 404, 'UNKNOWN_DATASET'],
        ['/importacaoCSV/tipo/Uva', '/importacaoCSV/tipo/{tipo}', 404, 'UNKNOWN_TIPO'],
        ['/exportacaoCSV/tipo/Vinhos', '/exportacaoCSV/tipo/{tipo}', 404, 'UNKNOWN_TIPO'],
      ];
      for (const [path, template, status, code] of cases) {
        const answer = await get(api.url + path);
        expect(answer.status, path).toBe(status);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(conforms(doc, template, answer), path).toMatchObject({
          status,
          code,
          instance: path.split('?')[0],
        });
      }
      const unknown = await get(`${api.url}/v1/datasets/producao/rows?colour=red`);
      expect(ProblemSchema.parse(JSON.parse(unknown.text)).invalid_params).toEqual([
        { name: 'colour', reason: 'is not a parameter of this route' },
      ]);
    });
  });
});
