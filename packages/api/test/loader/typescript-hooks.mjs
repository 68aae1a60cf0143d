// Module hooks that let Node itself (not Vitest's module runner) load this repository's TypeScript sources: what a
// worker thread started from a test needs, since Vitest transforms only the modules of the test's own thread.
// They resolve modules as vitest.config.ts aliases them and transpile with the repository's TypeScript compiler;
// transpiled text is cached by content hash, so only the first worker of a run pays for loading the compiler.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = new URL('../../../../', import.meta.url);
const ALIASES = new Map([['@vitibrasil/core', new URL('packages/core/src/index.ts', root).href]]);
const CACHE_DIR = fileURLToPath(new URL('node_modules/.cache/typescript-hooks/', root));
// Part of every cache key: change it when the compiler options below change.
const OPTIONS_VERSION = 'es2023-esnext-1';

/** @type {import('typescript') | undefined} */
let typescript;

/** @param {string} source @param {string} url */
async function transpile(source, url) {
  const key = createHash('sha256').update(OPTIONS_VERSION).update(source).digest('hex');
  const cached = `${CACHE_DIR}${key}.js`;
  if (existsSync(cached)) return readFile(cached, 'utf8');
  typescript ??= (await import('typescript')).default;
  const { outputText } = typescript.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: typescript.ModuleKind.ESNext,
      target: typescript.ScriptTarget.ES2023,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  await mkdir(CACHE_DIR, { recursive: true });
  const temporary = `${cached}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temporary, outputText);
  await rename(temporary, cached); // atomic: concurrent workers never read a half-written file
  return outputText;
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const alias = ALIASES.get(specifier);
  if (alias) return { url: alias, format: 'module', shortCircuit: true };
  // Sources import each other as `./module.js` (NodeNext); only the `.ts` file exists.
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(candidate)) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  return { format: 'module', source: await transpile(source, url), shortCircuit: true };
}
