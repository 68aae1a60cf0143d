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
