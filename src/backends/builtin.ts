/** Registers the backends that ship with sarwatch. */
import { cpuFactory } from './cpu/cpu-backend.js';
import { fpgaFactory } from './fpga/fpga-backend.js';
import { ortFactory } from './ort/ort-backend.js';
import { registerBackend } from './registry.js';

let done = false;

export function registerBuiltinBackends(): void {
  if (done) return;
  done = true;
  registerBackend(ortFactory);
  registerBackend(cpuFactory);
  registerBackend(fpgaFactory);
}
