/** A real scene with --telemetry: what is published agrees with what is written. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../../dist/harness/record.js';
import { writeXview3Scene } from '../../dist/src/synth/write-scene.js';
import { CLI, hasModel, rm, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(skipNote('bundled model', hasModel))('telemetry from a real scene', () => {
  it('publishes scene start/end, one tile message per tile, the detections and power, over ipc', async () => {
    const scene = path.join(dir, 'scene');
    writeXview3Scene(scene, { width: 1500, height: 1400, seed: 21, targets: 30 });
    const endpoint = `ipc://${path.join(dir, 'tel.ipc')}`;
    const out = path.join(dir, 'out');
    const recFile = path.join(dir, 'rec.jsonl');
    const rec = record({ endpoint, out: recFile, untilSceneEnd: true, seconds: 120 });
    await new Promise((r) => setTimeout(r, 300));
    const r = await run(['detect', scene, '--out', out, '--backend', 'ort', '--telemetry', endpoint, '--power-source', 'model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const res = await rec;
    expect(res.malformed).toBe(0);
    const msgs = readFileSync(recFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const of = (t: string) => msgs.filter((m) => m.topic === t).map((m) => m.message);
    const [start, end] = of('scene');
    expect(start).toMatchObject({ phase: 'start', scene_id: 'scene', backend: 'ort', width: 1500, height: 1400, tiles_planned: 4 });
    expect(end).toMatchObject({ phase: 'end', tiles: summary.tiles, detections: summary.detections, backend: 'ort' });
    expect(end.energy_j).toBeGreaterThan(0);
    expect(end.power_source).toMatch(/^model: host-cpu/);
    expect(of('tile')).toHaveLength(summary.tiles);
    expect(of('tile').map((t) => t.seq)).toEqual(of('tile').map((_, i) => i));
    const dets = of('det').flatMap((d) => d.detections);
    expect(dets).toHaveLength(summary.detections);
    const csvRows = readFileSync(path.join(out, 'detections.csv'), 'utf8').trim().split('\n').length - 1;
    expect(csvRows).toBe(summary.detections);
    const power = of('power');
    expect(power.length).toBeGreaterThan(0);
    expect(power[0]).toMatchObject({ source: 'model', measured: false });
  });
});
