import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { aliases } from './build/aliases';

export default defineConfig({
  plugins: [svelte()],
  resolve: { alias: aliases },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'lint/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Real photos, real SQLite files and a real Chromium: generous limits on a 2-core machine.
    // Longer than one poll's 30–60 s (test/fixtures/e2e.ts `slow`), so a step that never comes fails
    // with its own message rather than as the whole test's timeout.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // A poll waits for the UI or a job to catch up, which a busy machine can take seconds to do.
    expect: { poll: { timeout: 30_000 } },
    pool: 'forks',
  },
});
