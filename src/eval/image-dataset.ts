/**
 * Image datasets such as SSDD: a folder of PNG/JPEG pictures with YOLO (`id.txt`,
 * normalised cx cy w h) or Pascal VOC (`id.xml`) boxes, optionally restricted
 * to the ids of a split file. Every label is a ship.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { SarwatchError } from '../errors.js';
import type { Box } from './coco-ap.js';

export type LabelFormat = 'yolo' | 'voc';

export interface DatasetItem {
  id: string;
  image: string;
  labels: string;
}

const IMAGE_EXT = ['.jpg', '.jpeg', '.png', '.JPG', '.JPEG', '.PNG'];

export function listDataset(imagesDir: string, labelsDir: string, format: LabelFormat, listFile?: string): DatasetItem[] {
  if (!existsSync(imagesDir)) throw new SarwatchError('E_DATASET', 'no such images folder', { file: imagesDir });
  if (!existsSync(labelsDir)) throw new SarwatchError('E_DATASET', 'no such labels folder', { file: labelsDir });
  let ids: string[];
  if (listFile) {
    if (!existsSync(listFile)) throw new SarwatchError('E_DATASET', 'no such id list', { file: listFile });
    ids = readFileSync(listFile, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  } else {
    ids = readdirSync(imagesDir)
      .filter((f) => IMAGE_EXT.includes(path.extname(f)))
      .map((f) => f.slice(0, -path.extname(f).length))
      .sort();
  }
  const ext = format === 'yolo' ? '.txt' : '.xml';
  return ids.map((id) => {
    const image = IMAGE_EXT.map((e) => path.join(imagesDir, id + e)).find((p) => existsSync(p));
    if (!image) throw new SarwatchError('E_DATASET', `no image for id ${id}`, { file: imagesDir });
    return { id, image, labels: path.join(labelsDir, id + ext) };
  });
}

export function readBoxes(item: DatasetItem, format: LabelFormat, width: number, height: number): Box[] {
  if (!existsSync(item.labels)) return [];
  const text = readFileSync(item.labels, 'utf8');
  if (format === 'yolo') {
    return text
      .split(/\r?\n/)
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 5)
      .map((p) => {
        const [cx, cy, w, h] = p.slice(1).map(Number);
        if (![cx, cy, w, h].every(Number.isFinite)) throw new SarwatchError('E_LABELS', `malformed line "${p.join(' ')}"`, { file: item.labels });
        return { x1: (cx - w / 2) * width, y1: (cy - h / 2) * height, x2: (cx + w / 2) * width, y2: (cy + h / 2) * height };
      });
  }
  let doc: { annotation?: { object?: unknown } };
  try {
    doc = new XMLParser().parse(text);
  } catch (e) {
    throw new SarwatchError('E_LABELS', `not valid XML (${(e as Error).message})`, { file: item.labels, cause: e });
  }
  const objs = doc.annotation?.object;
  const list = (Array.isArray(objs) ? objs : objs ? [objs] : []) as { bndbox?: Record<string, number> }[];
  return list
    .filter((o) => o.bndbox)
    .map((o) => ({ x1: Number(o.bndbox!.xmin), y1: Number(o.bndbox!.ymin), x2: Number(o.bndbox!.xmax), y2: Number(o.bndbox!.ymax) }));
}
