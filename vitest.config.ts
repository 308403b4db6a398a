import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// vitest would otherwise load graphql twice (ESM and CJS): alias it to the entry Node resolves.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
