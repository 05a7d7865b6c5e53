import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run test:faults`): real processes (the bridge's CLI, the
 * simulator, receivers for every connector, throwaway Redis servers), one scenario at a time
 * so that they do not compete for this machine's cores. Each scenario prints what it counted.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
