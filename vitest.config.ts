import { defineConfig } from 'vitest/config';

// Tests run against the compiled library in dist/ (what ships, and what the
// onnxruntime worker thread loads); `npm test` compiles first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
