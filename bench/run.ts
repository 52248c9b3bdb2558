/**
 * `npm run bench [-- --only tiling,engine] [--quick] [--json]`: the
 * performance targets of the issues, each measured against a peer in the same
 * run (tinybench, interleaved rounds), printed rather than asserted.
 * The whole-scene run (29,400 × 24,400 px, peak RSS) is `npm run bench:scene`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerBuiltinBackends } from '../src/backends/builtin.js';
import type { SuiteResult } from './report.js';
import * as engine from './suites/engine.js';
import * as prepost from './suites/prepost.js';
import * as telemetry from './suites/telemetry.js';
import * as tiling from './suites/tiling.js';

const SUITES: Record<string, { run(o: { quick: boolean }): Promise<SuiteResult> }> = { tiling, prepost, engine, telemetry };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (f: string) => argv.includes(f);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : Object.keys(SUITES);
  const unknown = only.filter((s) => !SUITES[s]);
  if (unknown.length) {
    process.stderr.write(`sarwatch bench: unknown suite(s) ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}\n`);
    process.exit(2);
  }
  registerBuiltinBackends();
  const quick = flag('--quick');
  const results: SuiteResult[] = [];
  process.stderr.write(`sarwatch benchmarks on ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} logical cores${quick ? ' (quick)' : ''}\n`);
  for (const name of only) {
    process.stderr.write(`\n== ${name}\n`);
    const r = await SUITES[name].run({ quick });
    results.push(r);
    if (!flag('--json')) process.stdout.write(`${name}: ${r.what}\n${r.lines.map((l) => `  ${l}`).join('\n')}\n\n`);
  }
  const report = { date: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), node: process.version, quick, suites: results };
  const dir = path.join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  if (flag('--json')) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(`figures written to ${path.join(dir, 'latest.json')}\n`);
}

main().catch((e) => {
  process.stderr.write(`sarwatch bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
