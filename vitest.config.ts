import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // the tests mostly wait on the processes they start (git, dvc, the CLI, chromium): two
    // files at a time keep both cores busy (vitest's default on 2 cores is one)
    maxWorkers: 2,
  },
})
