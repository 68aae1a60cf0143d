/**
 * Bundles both functions with esbuild into `infra/build/{api,ingest}/` (or a folder given as the first argument):
 * ESM (`index.mjs`, handler `index.handler`), code split so that what only some requests or configurations load
 * (the AWS SDK clients for S3 and SSM, undici, the OpenAPI document) sits in chunks that are read only when imported,
 * each worker thread's entry in one file of its own, and a `createRequire` banner for the CommonJS dependencies.
 * The CDK stack points `lambda.Code.fromAsset` at these folders: synth never bundles and needs neither Docker nor
 * credentials. What a cold start compiles is kept small (docs/performance.md, infra/README.md: bundles measured).
 *
 * The API's folder also holds what it reads from disk at run time: the bundled snapshot (`data/vitibrasil`,
 * snapshot.json included; the stack sets BUNDLED_SNAPSHOT_DIR to it), mime-db's JSON and the swagger-ui-dist files
 * of `/docs/` (found through `node_modules/swagger-ui-dist/package.json`, as in the repository).
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWAGGER_UI_FILES } from '@vitibrasil/api';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { BUNDLED_SNAPSHOT_PATH } from '../src/lambda-conventions.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_BUILD_DIR = join(ROOT, 'infra', 'build');

/**
 * Where each bundle's entry and handler are, and the modules its code imports only when some request or
 * configuration needs them (`import()` at that point): the chunks they start are not read at init.
 */
const FUNCTIONS = {
  api: {
    entry: 'packages/api/src/lambda/handler.ts',
    // The reader's worker thread: IsolatedReader starts `./read-worker.mjs` beside its own module.
    workers: { 'read-worker': 'packages/api/src/reader/worker/read-worker.ts' },
    startsWorkers: 'packages/api/src/reader/worker/isolated-reader.ts',
    // A package's ES modules before its CommonJS build when it has both without an `exports` map (the AWS SDK's):
    // they tree-shake, so the S3 and SSM chunks hold what the clients use (the API's JavaScript: 2.1 → 1.8 MiB).
    mainFields: ['module', 'main'],
    onDemand: [
      'packages/api/src/upstream/s3-store.ts',
      'packages/api/src/upstream/undici-connection.ts',
      'packages/api/src/http/openapi/document.ts',
      '@aws-lambda-powertools/parameters/lib/esm/ssm/index.js',
    ],
  },
  ingest: {
    entry: 'packages/ingest-lambda/src/handler.ts',
    workers: {},
    startsWorkers: null,
    // esbuild's default for Node (CommonJS first). The ingester's memory figures (its README) were measured so; with
    // ES modules first its JavaScript goes from 1.2 to 0.9 MiB and a run peaked at 117.6–126.9 MB instead of
    // 123.0–133.9 MB in two runs of bench:bundles here: worth adopting with new figures.
    mainFields: ['main', 'module'],
    onDemand: [
      'packages/ingest-lambda/src/lake/s3.ts',
      '@aws-lambda-powertools/parameters/lib/esm/ssm/index.js',
    ],
  },
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

const WORKSPACE_SOURCES: Record<string, string> = {
  '@vitibrasil/core': 'packages/core/src/index.ts',
  '@vitibrasil/api': 'packages/api/src/index.ts',
  '@vitibrasil/ingest-lambda': 'packages/ingest-lambda/src/index.ts',
};

/** Workspace packages from their TypeScript sources: no `tsc -b` before bundling. */
const workspaceSources: Plugin = {
  name: 'workspace-sources',
  setup(context) {
    context.onResolve({ filter: /^@vitibrasil\/(core|api|ingest-lambda)$/ }, (args) => {
      const source = WORKSPACE_SOURCES[args.path];
      return source ? { path: join(ROOT, source) } : undefined;
    });
  },
};

const PACKAGE_JSON_REQUIRE = /createRequire\(import\.meta\.url\)\((['"])((?:\.\.?\/)+package\.json)\1\)/g;

/**
 * Sources that read their package.json at run time (`createRequire(import.meta.url)('../../../package.json')`,
 * the OpenAPI document's version) get its content inlined: in a bundle that path leads nowhere.
 */
const inlinePackageJson: Plugin = {
  name: 'inline-package-json',
  setup(context) {
    context.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.search(PACKAGE_JSON_REQUIRE) === -1) return undefined;
      const contents = source.replace(
        PACKAGE_JSON_REQUIRE,
        (_call, _quote, relativePath: string) =>
          `(${readFileSync(resolve(dirname(args.path), relativePath), 'utf8')})`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * zod exports its 60-odd message locales as a namespace (`z.locales`) that nothing here reads: only its English
 * messages are used (zod configures them itself). Keeping just `en` drops 260 KB of JavaScript that every cold
 * start would otherwise compile, in both bundles.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(context) {
    context.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * CommonJS packages that other packages require when they load but that a cold start's first request never uses,
 * each with how its exports are reached: `call` forwards the functions (a caller may keep one from load time),
 * `get` reads every export at its use.
 * - mime-types builds its lookup tables from mime-db (290 KB of JSON, in Koa's version and accepts') when it is
 *   required, which Koa does as it loads; the API sets its content types itself, and Koa keeps `contentType`.
 * - @opentelemetry/api is required by prom-client, which reads `trace` and `context` only for CPU exemplars (off).
 */
const LAZY_PACKAGES: Record<string, 'call' | 'get'> = { 'mime-types': 'call', '@opentelemetry/api': 'get' };

/**
 * Replaces each of LAZY_PACKAGES by a module with the same exports that requires the real one at the first call or
 * property read: it is still bundled, but runs only if some request needs it.
 */
const lazyPackages: Plugin = {
  name: 'lazy-packages',
  setup(context) {
    const names = Object.keys(LAZY_PACKAGES).map((name) => name.replace(/[/.]/g, '\\$&'));
    context.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, async (args) => {
      // The real module: resolved by esbuild (this callback is asked again, and declines).
      if (args.pluginData === lazyPackages) return undefined;
      const real = await context.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: lazyPackages,
      });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-packages', pluginData: LAZY_PACKAGES[args.path] };
    });
    context.onLoad({ filter: /.*/, namespace: 'lazy-packages' }, (args) => {
      const forwardCalls = args.pluginData === 'call';
      const exports = Object.entries(createRequire(args.path)(args.path) as Record<string, unknown>);
      const members = exports.map(([name, value]) => {
        const key = JSON.stringify(name);
        return forwardCalls && typeof value === 'function'
          ? `${key}: (...args) => load()[${key}](...args)`
          : `get ${key}() { return load()[${key}]; }`;
      });
      return {
        contents:
          `let real;\nconst load = () => (real ??= require(${JSON.stringify(args.path)}));\n` +
          `module.exports = {\n  ${members.join(',\n  ')}\n};\n`,
        resolveDir: dirname(args.path),
        loader: 'js',
      };
    });
  },
};

/**
 * mime-db's JSON (its `db.json`, 137 and 147 KB in the two versions bundled) is copied beside the bundle's code and
 * read with JSON.parse when mime-types first needs it, instead of being bundled as JavaScript that every cold start
 * compiles. Only mime-types requires it, and only at its first use (LAZY_PACKAGES).
 */
const mimeDbAsFile: Plugin = {
  name: 'mime-db-as-file',
  setup(context) {
    const outdir = context.initialOptions.outdir;
    context.onLoad({ filter: /[\\/]mime-db[\\/]index\.js$/ }, async (args) => {
      if (!outdir) throw new Error('mime-db-as-file needs an outdir');
      const { version } = JSON.parse(await readFile(join(dirname(args.path), 'package.json'), 'utf8')) as {
        version: string;
      };
      const file = `mime-db-${version}.json`;
      await cp(join(dirname(args.path), 'db.json'), join(outdir, file));
      return {
        // `require` is the bundle's own (its banner's createRequire): it resolves from the output folder.
        contents:
          "const { readFileSync } = require('node:fs');\n" +
          `module.exports = JSON.parse(readFileSync(require.resolve(${JSON.stringify(`./${file}`)}), 'utf8'));\n`,
        loader: 'js',
      };
    });
  },
};

/**
 * A worker entry is found at run time next to the module that starts it (`new URL('./read-worker.mjs',
 * import.meta.url)`): that module must have landed in a file of the same folder as the worker's output.
 */
function checkWorkersBesideTheirStarter(name: FunctionName, metafile: Metafile, dir: string): void {
  const { workers, startsWorkers } = FUNCTIONS[name];
  if (!startsWorkers) return;
  const starter = Object.entries(metafile.outputs).find(([, output]) =>
    Object.keys(output.inputs).some((input) => resolve(input) === join(ROOT, startsWorkers)),
  );
  if (!starter) throw new Error(`${name}: ${startsWorkers} is not in the bundle`);
  for (const worker of Object.keys(workers)) {
    const expected = join(dirname(resolve(starter[0])), `${worker}.mjs`);
    const built = Object.keys(metafile.outputs).map((path) => resolve(path));
    if (!built.includes(expected) || dirname(expected) !== dir) {
      throw new Error(
        `${name}: ${worker}.mjs must sit beside ${relative(dir, resolve(starter[0]))}, in ${dir}`,
      );
    }
  }
}

export interface Bundle {
  readonly name: FunctionName;
  /** The folder `lambda.Code.fromAsset` uploads. */
  readonly dir: string;
  /** Every file of the folder and its size. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly metafile: Metafile;
  /** The bundle's JavaScript files read at init: the entry, and what it imports, but for the on-demand modules. */
  readonly loadedAtInit: readonly string[];
}

/**
 * The output files init reads: from the entry, every static import and every dynamic one, except a dynamic import
 * of a module the function loads on demand (FUNCTIONS), and of what only such a module imports.
 */
function loadedAtInit(name: FunctionName, metafile: Metafile): string[] {
  const { outputs } = metafile;
  const onDemand = (path: string) => {
    const entryPoint = outputs[path]?.entryPoint;
    return entryPoint !== undefined && FUNCTIONS[name].onDemand.some((module) => entryPoint.endsWith(module));
  };
  const entry = Object.keys(outputs).find((path) => path.endsWith(`${name}/index.mjs`));
  if (!entry) throw new Error(`${name}: no index.mjs among the outputs`);
  const loaded = new Set([entry]);
  const visit = (path: string) => {
    for (const imported of outputs[path]?.imports ?? []) {
      if (!outputs[imported.path] || loaded.has(imported.path)) continue;
      if (imported.kind === 'dynamic-import' && onDemand(imported.path)) continue;
      if (imported.kind !== 'import-statement' && imported.kind !== 'dynamic-import') continue;
      loaded.add(imported.path);
      visit(imported.path);
    }
  };
  visit(entry);
  return [...loaded];
}

async function filesOf(dir: string): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return { path: relative(dir, path), bytes: (await stat(path)).size };
      }),
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** What every build shares: a function's entry with its chunks, and each of its workers. */
const BUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  // The oldest Node the bundles run on: Lambda's nodejs24.x, and Node 20 where the tests and the bench run.
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies call require() for Node's modules; ESM has none until we make one.
  banner: {
    js: "import { createRequire as __vitibrasilCreateRequire } from 'node:module'; const require = __vitibrasilCreateRequire(import.meta.url);",
  },
  minify: true,
  // Class names stay readable in error logs (errorCode and Powertools print them).
  keepNames: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [workspaceSources, inlinePackageJson, zodEnglishOnly, lazyPackages, mimeDbAsFile],
} as const satisfies BuildOptions;

async function bundleFunction(name: FunctionName, outDir: string): Promise<Bundle> {
  const dir = join(outDir, name);
  await rm(dir, { recursive: true, force: true });
  const app = await build({
    ...BUILD_OPTIONS,
    entryPoints: { index: join(ROOT, FUNCTIONS[name].entry) },
    mainFields: [...FUNCTIONS[name].mainFields],
    outdir: dir,
    splitting: true,
    // One folder for all: a worker entry is found beside the module that starts it, whichever chunk that lands in.
    chunkNames: '[name]-[hash]',
  });
  // Each worker in one file of its own, sharing no chunk with the entry: a chunk holds whatever any of the entries
  // reaching it needs, so a shared one would make the worker load (and its thread compile) the app's modules; the
  // reader's worker would load zod for the API's schemas, and it uses none (49 KB alone, 265 KB with chunks).
  const workers = await Promise.all(
    Object.entries(FUNCTIONS[name].workers).map(([out, path]) =>
      build({
        ...BUILD_OPTIONS,
        entryPoints: { [out]: join(ROOT, path) },
        mainFields: [...FUNCTIONS[name].mainFields],
        outdir: dir,
      }),
    ),
  );
  const result = {
    metafile: [app, ...workers].reduce<Metafile>(
      (all, { metafile }) => ({
        inputs: { ...all.inputs, ...metafile.inputs },
        outputs: { ...all.outputs, ...metafile.outputs },
      }),
      { inputs: {}, outputs: {} },
    ),
  };
  checkWorkersBesideTheirStarter(name, result.metafile, dir);
  if (name === 'api') {
    await cp(join(ROOT, 'data', 'vitibrasil'), join(dir, BUNDLED_SNAPSHOT_PATH), { recursive: true });
    // Resolved from the API's package, where it is a dependency.
    const swaggerUi = dirname(
      createRequire(join(ROOT, 'packages/api/package.json')).resolve('swagger-ui-dist/package.json'),
    );
    const target = join(dir, 'node_modules', 'swagger-ui-dist');
    await mkdir(target, { recursive: true });
    for (const file of ['package.json', 'LICENSE', 'NOTICE', ...SWAGGER_UI_FILES]) {
      await cp(join(swaggerUi, file), join(target, file));
    }
  }
  await writeFile(join(outDir, `${name}.meta.json`), JSON.stringify(result.metafile));
  return {
    name,
    dir,
    files: await filesOf(dir),
    metafile: result.metafile,
    loadedAtInit: loadedAtInit(name, result.metafile),
  };
}

/** Bundles both functions into `outDir` (each folder replaced whole). */
export async function bundleFunctions(
  outDir: string = DEFAULT_BUILD_DIR,
): Promise<Record<FunctionName, Bundle>> {
  const [api, ingest] = await Promise.all([bundleFunction('api', outDir), bundleFunction('ingest', outDir)]);
  return { api, ingest };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundles = await bundleFunctions(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_BUILD_DIR);
  for (const bundle of Object.values(bundles)) {
    const bytes = bundle.files.reduce((sum, file) => sum + file.bytes, 0);
    console.log(
      `${bundle.name}: ${bundle.dir} (${bundle.files.length} files, ${(bytes / 1024).toFixed(0)} KiB)`,
    );
  }
}
