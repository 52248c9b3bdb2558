/**
 * Pixel ↔ map ↔ WGS 84 for a GeoTIFF's affine geotransform.
 *
 * Pixel coordinates are continuous with (0, 0) at the upper-left corner of the
 * first pixel (GDAL's convention for AREA_OR_POINT=Area), so a box centre at
 * column 10.5 is the middle of pixel 10. Projected CRSs (UTM and anything else
 * the GeoKeys describe) go through proj4.
 */
import proj4 from 'proj4';

export type GeoTransform = readonly [number, number, number, number, number, number];

export interface GeorefInit {
  transform: GeoTransform;
  /** proj4 definition of the map CRS. */
  proj4: string;
  /** Map units are degrees of longitude/latitude (a geographic CRS), not metres. */
  geographic: boolean;
  epsg: number | null;
}

export const WGS84_LONLAT = '+proj=longlat +datum=WGS84 +no_defs';

export class Georef {
  readonly transform: GeoTransform;
  readonly proj4: string;
  readonly geographic: boolean;
  readonly epsg: number | null;
  private readonly toWgs: proj4.Converter;

  constructor(init: GeorefInit) {
    this.transform = init.transform;
    this.proj4 = init.proj4;
    this.geographic = init.geographic;
    this.epsg = init.epsg;
    this.toWgs = proj4(init.proj4, WGS84_LONLAT);
  }

  /** Map coordinates (CRS units) of a continuous pixel position. */
  pixelToMap(col: number, row: number): [number, number] {
    const [a, b, c, d, e, f] = this.transform;
    return [a + col * b + row * c, d + col * e + row * f];
  }

  /** [lon, lat] in degrees, WGS 84. */
  pixelToLonLat(col: number, row: number): [number, number] {
    const [lon, lat] = this.toWgs.forward(this.pixelToMap(col, row));
    return [lon, lat];
  }

  /** Inverse of pixelToLonLat (used by the synthetic scene writer and tests). */
  lonLatToPixel(lon: number, lat: number): [number, number] {
    const [x, y] = this.toWgs.inverse([lon, lat]);
    const [a, b, c, d, e, f] = this.transform;
    const det = b * f - c * e;
    const dx = x - a;
    const dy = y - d;
    return [(f * dx - c * dy) / det, (-e * dx + b * dy) / det];
  }

  /** Ground size of one pixel in metres [along columns, along rows], at the given pixel. */
  pixelSpacingM(col = 0, row = 0): [number, number] {
    const [, b, c, , e, f] = this.transform;
    if (!this.geographic) return [Math.hypot(b, e), Math.hypot(c, f)];
    // Geographic degrees: local metres per degree on the WGS 84 ellipsoid.
    const lat = (this.pixelToLonLat(col, row)[1] * Math.PI) / 180;
    const mPerDegLat = 111132.92 - 559.82 * Math.cos(2 * lat) + 1.175 * Math.cos(4 * lat);
    const mPerDegLon = 111412.84 * Math.cos(lat) - 93.5 * Math.cos(3 * lat);
    return [Math.hypot(b * mPerDegLon, e * mPerDegLat), Math.hypot(c * mPerDegLon, f * mPerDegLat)];
  }
}

/** The proj4 definition of a WGS 84 UTM zone (EPSG 326zz north, 327zz south). */
export function utmProj4(zone: number, south: boolean): string {
  return `+proj=utm +zone=${zone} ${south ? '+south ' : ''}+datum=WGS84 +units=m +no_defs`;
}

export function utmZoneOf(lon: number): number {
  return Math.min(60, Math.max(1, Math.floor((lon + 180) / 6) + 1));
}
