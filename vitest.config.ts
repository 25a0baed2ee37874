import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Each file starts its own jackd; two files at a time on 2 cores.
    maxWorkers: 2,
    testTimeout: 30000,
    hookTimeout: 30000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
