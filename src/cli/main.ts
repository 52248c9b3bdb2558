/**
 * The `sarwatch` command line. Thin: each command parses and checks its
 * options and calls one function of the library. A SarwatchError prints as one
 * line and exits 1; `--debug` adds the stack.
 */
import { Command, CommanderError } from 'commander';
import { registerBuiltinBackends } from '../backends/builtin.js';
import { isSarwatchError } from '../errors.js';
import * as detect from './commands/detect.js';
import * as synth from './commands/synth.js';
import * as evaluate from './commands/evaluate.js';
import * as demo from './commands/demo.js';
import * as telemetry from './commands/telemetry.js';
import * as compile from './commands/compile.js';
import * as pass from './commands/pass.js';
import * as bench from './commands/bench.js';

export async function main(argv: string[]): Promise<void> {
  registerBuiltinBackends();
  const program = new Command();
  program
    .name('sarwatch')
    .description('On-board SAR vessel detection: streamed scenes, int8 YOLOv8 on CPU or a Kria KV260, ZeroMQ telemetry')
    .option('--debug', 'show stack traces on errors')
    .showHelpAfterError()
    .exitOverride();
  detect.register(program);
  synth.register(program);
  evaluate.register(program);
  demo.register(program);
  telemetry.register(program);
  compile.register(program);
  bench.register(program);
  pass.register(program);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isSarwatchError(e) && !debug) {
      process.stderr.write(`sarwatch: ${e.message}\n`);
    } else {
      process.stderr.write(`sarwatch: ${debug && e instanceof Error ? e.stack : (e as Error).message ?? e}\n`);
    }
    process.exitCode = 1;
  }
}
