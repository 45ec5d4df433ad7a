// Import aliases, one table for every bundler and test runner; tsconfig*.json's "paths" say the same
// to the type checker.
import { resolve } from 'node:path';

export const aliases = {
  $shared: resolve('src/shared'),
  $lib: resolve('src/renderer/src/lib'),
};
