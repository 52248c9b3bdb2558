/**
 * The only file that loads the compiled addon (build/Release/sarwatch.node).
 * It declares, with types, everything the binary exports.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { SarwatchError } from './errors.js';

export interface NativeAddon {
  /** Addon version, equal to package.json's. */
  version(): string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let cached: NativeAddon | null = null;

export function native(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const candidates = [path.join(ROOT, 'build', 'Release', 'sarwatch.node'), path.join(ROOT, 'build', 'Debug', 'sarwatch.node')];
  const errors: string[] = [];
  for (const file of candidates) {
    try {
      cached = require(file) as NativeAddon;
      return cached;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new SarwatchError(
    'E_NATIVE_LOAD',
    'the native addon could not be loaded. Possible fixes:\n' +
      '  - run `npm install` (it builds the addon with node-gyp; needs g++ and Node headers)\n' +
      '  - offline, point node-gyp at local headers: `npm_config_nodedir=/usr npm install`\n' +
      '  - after a Node.js upgrade, rebuild: `npm rebuild`\n' +
      `Tried:\n  ${errors.join('\n  ')}`,
  );
}
