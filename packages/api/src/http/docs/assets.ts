import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type CachedBody, cachedBody } from '../../data/cached-body.js';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Files of swagger-ui-dist served under /docs/, by name: a fixed list, so no request path reaches the disk. */
const VENDOR_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

const INITIALIZER = 'swagger-initializer.js';

/** The files of swagger-ui-dist the page uses: a Lambda bundle ships these beside its code. */
export const SWAGGER_UI_FILES = Object.keys(VENDOR_FILES) as readonly (keyof typeof VENDOR_FILES)[];
/** Served at /favicon.ico as well. */
export const FAVICON = 'favicon-32x32.png';

/** Every file name GET /docs/{file} serves. */
export const DOCS_FILES = [...SWAGGER_UI_FILES, INITIALIZER] as const;

const isVendorFile = (name: string): name is keyof typeof VENDOR_FILES => Object.hasOwn(VENDOR_FILES, name);

// Asset URLs are relative, so the page works wherever /docs/ is mounted. Scripts are files, never inline, so the
// page runs under `script-src 'self'`.
export const DOCS_PAGE = cachedBody(
  `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Vitibrasil data service: API documentation</title>
    <link rel="stylesheet" href="./swagger-ui.css">
    <link rel="stylesheet" href="./index.css">
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js"></script>
    <script src="./${INITIALIZER}"></script>
  </body>
</html>
`,
  'text/html; charset=utf-8',
);

// No validator badge (it calls validator.swagger.io) and no top bar (it loads any URL typed in): the page only
// talks to this server.
const INITIALIZER_BODY = cachedBody(
  `window.ui = SwaggerUIBundle({
  url: '../openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`,
  'text/javascript; charset=utf-8',
);

const loaded = new Map<keyof typeof VENDOR_FILES, Promise<CachedBody>>();

/** A /docs/ file, read from swagger-ui-dist on first request and kept; undefined for a name not in the list. */
export function docsFile(name: string): Promise<CachedBody> | undefined {
  if (name === INITIALIZER) return Promise.resolve(INITIALIZER_BODY);
  if (!isVendorFile(name)) return undefined;
  let body = loaded.get(name);
  if (!body) {
    body = readFile(join(SWAGGER_UI_DIR, name)).then((bytes) => cachedBody(bytes, VENDOR_FILES[name]));
    // A failed read is not kept: the next request tries again.
    body.catch(() => loaded.delete(name));
    loaded.set(name, body);
  }
  return body;
}

/** Vendored files change only with the swagger-ui-dist version; our own files with each deployment. */
export const cacheControlFor = (name: string): string =>
  isVendorFile(name) ? 'public, max-age=86400' : 'no-cache';
