import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of workspace packages directly: no build step before `pnpm test`.
    alias: {
      '@vitibrasil/core': fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)),
      '@vitibrasil/api/testing': fileURLToPath(
        new URL('./packages/api/src/testing/static-upstream.ts', import.meta.url),
      ),
      '@vitibrasil/api': fileURLToPath(new URL('./packages/api/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
