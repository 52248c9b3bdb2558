#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli and is compiled to dist/ by `npm install`.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('sarwatch: dist/ is missing; run `npm install` (or `npm run build:ts`) first\n');
  } else {
    process.stderr.write(`sarwatch: ${err && err.stack ? err.stack : err}\n`);
  }
  process.exit(1);
});
