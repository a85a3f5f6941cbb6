import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A run-wide directory for daemon output, scanned for secrets once the whole run is over.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Namespace tests create their own uniquely-prefixed labs, so files may run in parallel,
    // but the machine has two cores: keep the pool small so timing-sensitive tests stay honest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
