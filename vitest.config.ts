import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of workspace packages directly: no build step before `pnpm test`.
    alias: [
      { find: /^@vitibrasil\/core$/, replacement: source('./packages/core/src/index.ts') },
      { find: /^@vitibrasil\/api$/, replacement: source('./packages/api/src/index.ts') },
      { find: /^@vitibrasil\/ingest-lambda$/, replacement: source('./packages/ingest-lambda/src/index.ts') },
      {
        find: /^@vitibrasil\/api\/testing$/,
        replacement: source('./packages/api/src/testing/static-upstream.ts'),
      },
    ],
  },
  test: {
    // Worker threads started by the code under test (the reader's) are loaded by Node, not by Vitest: these hooks
    // let Node run their TypeScript sources, resolved as aliased above.
    execArgv: ['--import', new URL('./packages/api/test/loader/register.mjs', import.meta.url).href],
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'tools/*/src/**/*.test.ts',
      'infra/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
