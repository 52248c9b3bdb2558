/**
 * Open any supported scene by path: an xView3 folder, a GeoTIFF, or a PNG/JPEG picture.
 * The format is decided by content (magic bytes), not only by extension.
 */
import { promises as fsp } from 'node:fs';
import { SarwatchError } from '../errors.js';
import { GeoTiffScene } from './geotiff-scene.js';
import { ImageScene, type ImageMode } from './image-scene.js';
import type { Scene } from './types.js';
import { isXview3Folder, Xview3Scene } from './xview3-scene.js';

export interface OpenSceneOptions {
  /** How plain pictures become bands: one luma band for SAR models, RGB for 3-channel image models. */
  imageMode?: ImageMode;
}

export async function openScene(file: string, opts: OpenSceneOptions = {}): Promise<Scene> {
  const stat = await fsp.stat(file).catch(() => null);
  if (!stat) throw new SarwatchError('E_SCENE_NOT_FOUND', 'no such file or folder', { file });
  if (stat.isDirectory()) {
    if (isXview3Folder(file)) return Xview3Scene.open(file);
    throw new SarwatchError('E_SCENE_FORMAT', 'folder is not an xView3 scene (no VV_dB.tif)', { file });
  }
  if (stat.size === 0) throw new SarwatchError('E_SCENE_FORMAT', 'file is empty', { file });
  const fh = await fsp.open(file, 'r');
  const head = Buffer.alloc(8);
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  const isTiff = (head[0] === 0x49 && head[1] === 0x49) || (head[0] === 0x4d && head[1] === 0x4d);
  if (isTiff) return GeoTiffScene.open(file);
  if (head.readUInt32BE(0) === 0x89504e47 || (head[0] === 0xff && head[1] === 0xd8)) {
    return ImageScene.open(file, opts.imageMode ?? 'gray');
  }
  throw new SarwatchError('E_SCENE_FORMAT', 'not a GeoTIFF, PNG or JPEG (unrecognised leading bytes)', { file });
}
