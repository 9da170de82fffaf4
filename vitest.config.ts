import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Test fixtures import the SDK by its package name, as users do; point it at the sources so
    // there is one copy of every class under test.
    alias: [
      { find: /^flowy-swf$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^flowy-swf\/activity$/, replacement: fileURLToPath(new URL('./src/authoring/index.ts', import.meta.url)) },
      { find: /^flowy-swf\/local$/, replacement: fileURLToPath(new URL('./src/local/index.ts', import.meta.url)) },
      { find: /^flowy-swf\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The AWS SDK warns once per process that its 2027 releases need Node 22; tests need not say so.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
