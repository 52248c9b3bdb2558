/** Power sources on sysfs trees laid out as the kernel does, in a temporary folder. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeIna260 } from '../../dist/src/telemetry/power/hwmon.js';
import { openSource } from '../../dist/src/telemetry/power/probe.js';
import { probeRapl } from '../../dist/src/telemetry/power/rapl.js';
import { PowerSampler } from '../../dist/src/telemetry/power/sampler.js';
import { DIST, rm, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

function tree(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [f, v] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), v + '\n');
  }
  return root;
}

describe('INA260 through hwmon', () => {
  it('finds the hwmon named ina260* and reads µW, mA and mV', () => {
    const root = tree('kv260', {
      'sys/class/hwmon/hwmon0/name': 'cpu_thermal',
      'sys/class/hwmon/hwmon0/temp1_input': '45000',
      'sys/class/hwmon/hwmon1/name': 'ina260_u14',
      'sys/class/hwmon/hwmon1/power1_input': '8437500',
      'sys/class/hwmon/hwmon1/curr1_input': '703',
      'sys/class/hwmon/hwmon1/in1_input': '12005',
    });
    const p = probeIna260(root);
    expect(p.source!.detail).toBe('hwmon1 (ina260_u14)');
    expect(p.source!.read(0)).toEqual({ watts: 8.4375, volts: 12.005, amps: 0.703 });
  });

  it('falls back to volts × amps when power1_input is missing, and explains an absent sensor', () => {
    const root = tree('no-power', {
      'sys/class/hwmon/hwmon3/name': 'ina260',
      'sys/class/hwmon/hwmon3/curr1_input': '500',
      'sys/class/hwmon/hwmon3/in1_input': '12000',
    });
    expect(probeIna260(root).source!.read(0).watts).toBeCloseTo(6, 12);
    const none = tree('laptop', { 'sys/class/hwmon/hwmon0/name': 'acpitz' });
    expect(probeIna260(none)).toEqual({ source: null, reason: 'no hwmon device named ina260*' });
    expect(probeIna260(path.join(dir, 'nothing')).reason).toMatch(/no .*sys\/class\/hwmon/);
  });
});

describe('RAPL powercap', () => {
  const rapl = (name: string, energy: string) =>
    tree(name, {
      'sys/class/powercap/intel-rapl:0/name': 'package-0',
      'sys/class/powercap/intel-rapl:0/energy_uj': energy,
      'sys/class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850',
      'sys/class/powercap/intel-rapl:0:0/name': 'core',
      'sys/class/powercap/intel-rapl:0:0/energy_uj': '1',
      'sys/class/powercap/intel-rapl:0:0/max_energy_range_uj': '262143328850',
    });

  it('turns the energy counter into watts, using only top-level zones', () => {
    const root = rapl('rapl', '1000000000');
    const p = probeRapl(root, 0);
    expect(p.source!.detail).toBe('powercap intel-rapl:0 (package-0)');
    writeFileSync(path.join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), '1015000000\n'); // +15 J
    expect(p.source!.read(1000).watts).toBeCloseTo(15, 9);
  });

  it('adds back max_energy_range_uj when the counter wraps', () => {
    const root = rapl('wrap', '262143000000');
    const p = probeRapl(root, 0);
    writeFileSync(path.join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), '4671150\n'); // wrapped: +5 J in total
    expect(p.source!.read(500).watts).toBeCloseTo(10, 6);
  });

  it('prefers psys (the whole platform) when present', () => {
    const root = rapl('psys', '0');
    tree('psys', {
      'sys/class/powercap/intel-rapl:1/name': 'psys',
      'sys/class/powercap/intel-rapl:1/energy_uj': '0',
      'sys/class/powercap/intel-rapl:1/max_energy_range_uj': '262143328850',
    });
    expect(probeRapl(root, 0).source!.detail).toBe('powercap intel-rapl:1 (psys)');
  });

  it('reports a counter it may not read (root-only since 2020 kernels) and falls back to the model', () => {
    const root = rapl('denied', '5');
    for (const d of ['', 'sys', 'sys/class', 'sys/class/powercap', 'sys/class/powercap/intel-rapl:0']) chmodSync(path.join(root, d), 0o755);
    chmodSync(dir, 0o755);
    chmodSync(path.join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), 0o000);
    const script = `import(${JSON.stringify(path.join(DIST, 'telemetry/power/probe.js'))}).then((m) => {
      const r = m.openSource({ choice: 'auto', root: ${JSON.stringify(root)}, model: { kind: 'host', params: { idleW: 4, coreW: 6 } } }, 0);
      console.log(JSON.stringify({ kind: r.source.kind, passedOver: r.passedOver }));
    })`;
    // Root reads any file, so probe as an unprivileged user when the tests run as root.
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe('model');
    expect(out.passedOver.join('\n')).toMatch(/energy_uj is not readable \(permission denied/);
  });
});

describe('modelled power and the sampler', () => {
  it('names the model and its coefficients', () => {
    const { source } = openSource({ choice: 'model', root: dir, model: { kind: 'host', params: { idleW: 3, coreW: 5 } } }, 0);
    expect(source).toMatchObject({ kind: 'model', measured: false, detail: 'host-cpu: 3 W idle + 5 W per busy core (estimate)' });
    const k = openSource({ choice: 'model', root: dir, model: { kind: 'kv260', macsPerCycle: 1024, clockMhz: 300 } }, 0).source;
    expect(k.detail).toMatch(/kv260-board: Simfero/);
  });

  it('samples off the main thread at the configured rate and integrates energy', async () => {
    const root = tree('sampler', { 'sys/class/hwmon/hwmon0/name': 'ina260', 'sys/class/hwmon/hwmon0/power1_input': '5000000' });
    const s = await PowerSampler.start({ source: { choice: 'auto', root }, rateHz: 50 });
    // The first reading is there as soon as start() resolves (not the zeroed buffer).
    expect(s.latest()).toMatchObject({ watts: 5, energy: 0 });
    expect(s.latest().t).toBeGreaterThan(0);
    let n = 0;
    s.onSample(() => n++);
    // Energy is compared with the time that actually passed: on a loaded machine a
    // 600 ms timer can fire late, and a fixed 3 J would then fail for the wrong reason.
    const t0 = performance.now();
    const e0 = s.energyAt(t0);
    await new Promise((r) => setTimeout(r, 600));
    const t1 = performance.now();
    const e1 = s.energyAt(t1);
    await s.stop();
    expect(s.kind).toBe('ina260');
    expect(n).toBeGreaterThan(15); // ~30 at 50 Hz
    expect(e1 - e0).toBeCloseTo((5 * (t1 - t0)) / 1000, 6); // 5 W × elapsed (3 J for 0.6 s)
    expect(s.windowAvg(5)).toBeCloseTo(5, 9);
  });
});
