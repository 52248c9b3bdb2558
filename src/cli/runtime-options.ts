/**
 * Options shared by the commands that run scenes (detect, demo, bench):
 * telemetry publishing, power sampling and the power budget.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ENGINE_CONFIG } from '../accel/engine-config.js';
import type { PipelineObserver } from '../pipeline/observer.js';
import { BudgetGuard } from '../telemetry/budget-guard.js';
import type { Encoding } from '../telemetry/codec.js';
import { DEFAULT_HOST_MODEL, parseHostModel } from '../telemetry/power/model.js';
import type { ModelSpec, SourceChoice } from '../telemetry/power/probe.js';
import { PowerSampler } from '../telemetry/power/sampler.js';
import { TelemetryPublisher } from '../telemetry/publisher.js';
import { integer, number, oneOf } from '../util/check.js';

export interface RuntimeCliOptions {
  telemetry?: string;
  telemetryEncoding: string;
  telemetryHwm: string;
  telemetryWait: string;
  powerSource: string;
  powerRate: string;
  powerModel?: string;
  powerBudget?: string;
}

export function addRuntimeOptions(cmd: Command): Command {
  return cmd
    .option('--telemetry <endpoint>', 'publish telemetry over ZeroMQ, e.g. tcp://127.0.0.1:5556 or ipc:///tmp/sarwatch.ipc')
    .option('--telemetry-encoding <e>', 'json or msgpack', 'json')
    .option('--telemetry-hwm <n>', 'messages queued per subscriber before telemetry is dropped', '1000')
    .option('--telemetry-wait <ms>', 'wait up to this long for a first subscriber before the scene starts (ZeroMQ loses what is published before one joins)', '1000')
    .option('--power-source <s>', 'auto (INA260, then RAPL, then model), ina260, rapl or model', 'auto')
    .option('--power-rate <hz>', 'power sampling rate', '10')
    .option('--power-model <spec>', `host CPU model coefficients, idle=W,core=W (default idle=${DEFAULT_HOST_MODEL.idleW},core=${DEFAULT_HOST_MODEL.coreW})`)
    .option('--power-budget <watts>', 'average power budget to enforce (idle insertion, then fewer threads)');
}

/** True on a Kria K26 SOM (the device tree names the board). */
export function onKria(): boolean {
  try {
    return /kria|k26|kv260/i.test(readFileSync('/proc/device-tree/model', 'utf8'));
  } catch {
    return false;
  }
}

export interface Runtime {
  observer: PipelineObserver;
  power: PowerSampler;
  budget?: BudgetGuard;
  publisher: TelemetryPublisher | null;
}

export async function withRuntime<T>(o: RuntimeCliOptions, threads: number, job: (rt: Runtime) => Promise<T>): Promise<T> {
  const model: ModelSpec = onKria()
    ? { kind: 'kv260', macsPerCycle: ENGINE_CONFIG.macsPerCycle, clockMhz: ENGINE_CONFIG.clockMhz }
    : { kind: 'host', params: o.powerModel ? parseHostModel(o.powerModel) : DEFAULT_HOST_MODEL };
  const power = await PowerSampler.start({
    source: { choice: oneOf('--power-source', o.powerSource, ['auto', 'ina260', 'rapl', 'model'] as const) as SourceChoice, model },
    rateHz: number('--power-rate', o.powerRate, 0.5, 1000),
  });
  const budgetW = o.powerBudget === undefined ? null : number('--power-budget', o.powerBudget, 0.1, 10_000);
  const budget = budgetW === null ? undefined : new BudgetGuard({ budgetW, maxThreads: threads });
  let publisher: TelemetryPublisher | null = null;
  try {
    if (o.telemetry) {
      publisher = await TelemetryPublisher.open({
        endpoint: o.telemetry,
        encoding: oneOf('--telemetry-encoding', o.telemetryEncoding, ['json', 'msgpack'] as const) as Encoding,
        hwm: integer('--telemetry-hwm', o.telemetryHwm, 1, 10_000_000),
      });
      const waitMs = integer('--telemetry-wait', o.telemetryWait, 0, 600_000);
      if (!(await publisher.waitForSubscriber(waitMs)))
        process.stderr.write(`telemetry: no subscriber on ${o.telemetry} after ${waitMs} ms; publishing anyway (a subscriber that joins later misses what came before)\n`);
    }
    const obs = publisher?.observer(power, budgetW);
    try {
      return await job({ observer: obs ?? {}, power, budget, publisher });
    } finally {
      obs?.dispose();
    }
  } finally {
    await publisher?.close();
    await power.stop();
  }
}
