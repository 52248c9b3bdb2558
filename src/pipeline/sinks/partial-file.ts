/**
 * An output file written as `<name>.partial` and renamed into place when the
 * scene completes. What was written survives a crash (detections are never
 * lost); a refused input removes it so no partial output is left behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export class PartialFile {
  readonly path: string;
  readonly partialPath: string;
  private fd: number | null;

  constructor(path: string) {
    this.path = path;
    this.partialPath = `${path}.partial`;
    this.fd = openSync(this.partialPath, 'w');
  }

  write(text: string, durable = false): void {
    if (this.fd === null) throw new Error(`${this.path} is closed`);
    writeSync(this.fd, text);
    if (durable) fsyncSync(this.fd);
  }

  /** Flush, close and move into place. */
  commit(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.partialPath, this.path);
  }

  /** Close and delete (input refused). */
  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.partialPath, { force: true });
  }

  /** Close but keep the `.partial` file (unexpected failure: keep what was found). */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
