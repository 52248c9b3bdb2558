/** `sarwatch monitor`, `sarwatch record` and `sarwatch schema`: telemetry subscribers and the schema. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { monitor } from '../../../harness/monitor.js';
import { record } from '../../../harness/record.js';
import { jsonSchema } from '../../telemetry/schema.js';
import { integer, number } from '../../util/check.js';
import { DEFAULT_TELEMETRY } from '../defaults.js';

export function register(program: Command): void {
  program
    .command('monitor')
    .description('live terminal view of a running scene from its telemetry')
    .argument('[endpoint]', 'telemetry endpoint', DEFAULT_TELEMETRY)
    .option('--seconds <s>', 'stop after this many seconds')
    .option('--once', 'stop when the first scene ends')
    .action(async (endpoint: string, o) => {
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      await monitor({ endpoint, seconds: o.seconds === undefined ? undefined : number('--seconds', o.seconds, 0.1, 1e7), once: o.once }, ac.signal);
    });

  program
    .command('record')
    .description('record every telemetry message to a JSON-lines file, validated against the schema')
    .argument('[endpoint]', 'telemetry endpoint', DEFAULT_TELEMETRY)
    .requiredOption('-o, --out <file.jsonl>', 'output file')
    .option('--seconds <s>', 'stop after this many seconds')
    .option('--count <n>', 'stop after this many messages')
    .option('--until-scene-end', 'stop when a scene ends')
    .action(async (endpoint: string, o) => {
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const r = await record(
        {
          endpoint,
          out: o.out,
          seconds: o.seconds === undefined ? undefined : number('--seconds', o.seconds, 0.1, 1e7),
          count: o.count === undefined ? undefined : integer('--count', o.count, 1, 1e12),
          untilSceneEnd: o.untilSceneEnd,
        },
        ac.signal,
      );
      process.stderr.write(`recorded ${r.messages} messages (${JSON.stringify(r.byTopic)}), ${r.malformed} malformed, to ${o.out}\n`);
    });

  program
    .command('schema')
    .description('print the telemetry JSON Schema (or write it with --out)')
    .option('-o, --out <file>', 'write to a file')
    .action((o) => {
      const text = JSON.stringify(jsonSchema(), null, 2) + '\n';
      if (o.out) {
        mkdirSync(path.dirname(o.out), { recursive: true });
        writeFileSync(o.out, text);
      } else process.stdout.write(text);
    });
}
