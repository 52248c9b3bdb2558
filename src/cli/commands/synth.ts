/** `sarwatch synth`: seeded synthetic Sentinel-1 scenes (xView3 layout) or training chips. */
import type { Command } from 'commander';
import { writeTrainingChips, writeXview3Scene } from '../../synth/write-scene.js';
import type { SynthOptions } from '../../synth/synthetic-scene.js';
import { integer, number, oneOf, size2 } from '../../util/check.js';
import { loadModelInfo, SAR_INPUT_SPEC } from '../../model/model-info.js';

const MAX_SIDE = 30_000;

interface SynthCli {
  out: string;
  size: string;
  seed: string;
  targets?: string;
  density?: string;
  moored: string;
  wind?: string;
  coast: string;
  nodata: boolean;
  bathymetry: boolean;
  lon: string;
  lat: string;
  chips?: string;
  chipSize: string;
  model?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write a seeded synthetic Sentinel-1 scene (xView3 folder: VV_dB.tif, VH_dB.tif, bathymetry.tif, labels.csv), or training chips')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--size <WxH>', `scene size, up to ${MAX_SIDE}x${MAX_SIDE}`, '4096x4096')
    .option('--seed <n>', 'random seed', '1')
    .option('--targets <n>', 'labelled targets (vessels, fishing vessels, structures)')
    .option('--density <n>', 'labelled targets per 100 km² of sea when --targets is not given', '4')
    .option('--moored <share>', 'extra vessels moored along the coast, as a share of the labelled targets', '0')
    .option('--wind <m/s>', 'mean wind speed (default: random 3–12 from the seed)')
    .option('--coast <where>', 'auto, none, left, right, top or bottom', 'auto')
    .option('--no-nodata', 'no NODATA borders')
    .option('--no-bathymetry', 'no bathymetry.tif')
    .option('--lon <deg>', 'scene centre longitude', '3.2')
    .option('--lat <deg>', 'scene centre latitude', '51.8')
    .option('--chips <n>', 'instead of a scene, write N training chips (PNG + YOLO labels)')
    .option('--chip-size <px>', 'chip size', '512')
    .option('--model <file>', "normalise chips with this model's input spec (default: VV, VH clipped to [-50, 20] dB)")
    .option('--json', 'print the result as JSON')
    .action(async (o: SynthCli) => {
      const seed = integer('--seed', o.seed, 0, 2 ** 31 - 1);
      const moored = number('--moored', o.moored, 0, 1);
      if (o.chips !== undefined) {
        const n = integer('--chips', o.chips, 1, 100_000);
        const size = integer('--chip-size', o.chipSize, 64, 4096);
        const spec = o.model ? (await loadModelInfo(o.model)).input : SAR_INPUT_SPEC;
        const r = writeTrainingChips(o.out, n, size, seed, spec, moored);
        process.stdout.write(o.json ? JSON.stringify(r) + '\n' : `wrote ${r.chips} chips with ${r.objects} labelled objects to ${o.out}\n`);
        return;
      }
      const [width, height] = size2('--size', o.size, MAX_SIDE);
      const opts: SynthOptions & { bathymetry: boolean } = {
        width,
        height,
        seed,
        lon: number('--lon', o.lon, -180, 180),
        lat: number('--lat', o.lat, -80, 84),
        coast: oneOf('--coast', o.coast, ['auto', 'none', 'left', 'right', 'top', 'bottom'] as const),
        nodataBorder: o.nodata,
        bathymetry: o.bathymetry,
        targets: o.targets === undefined ? undefined : integer('--targets', o.targets, 0, 1_000_000),
        density: number('--density', o.density, 0, 1000),
        moored,
        windMs: o.wind === undefined ? undefined : number('--wind', o.wind, 0.5, 30),
      };
      const r = writeXview3Scene(o.out, opts, (rows, total) => {
        if (process.stderr.isTTY && !o.json) process.stderr.write(`\rsynth ${Math.round((100 * rows) / total)}%`);
      });
      if (process.stderr.isTTY && !o.json) process.stderr.write('\n');
      process.stdout.write(
        o.json ? JSON.stringify(r) + '\n' : `wrote ${width} x ${height} scene ${r.sceneId} with ${r.labels} labelled targets to ${r.dir} in ${r.seconds.toFixed(1)} s\n`,
      );
    });
}
