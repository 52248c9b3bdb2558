/** The KV260 deploy script, checked with --dry-run (no board here): the steps and their order. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const script = path.join(REPO, 'harness', 'kria', 'deploy.sh');

describe('harness/kria/deploy.sh', () => {
  it('copies the tree, builds on the board, loads the app, then runs the fpga backend', () => {
    const r = spawnSync('bash', [script, 'ubuntu@kv260', '--app', 'build/hls/app/sarwatch', '--dry-run'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const cmds = r.stdout.split('\n').filter((l) => l.startsWith('+ '));
    const at = (re: RegExp) => cmds.findIndex((c) => re.test(c));
    expect(at(/git ls-files/)).toBeGreaterThanOrEqual(0);
    expect(at(/npm install/)).toBeGreaterThan(at(/git ls-files/));
    expect(at(/xmutil loadapp sarwatch/)).toBeGreaterThan(at(/npm install/));
    expect(at(/--backend fpga/)).toBeGreaterThan(at(/xmutil loadapp/));
  });

  it('refuses a missing host', () => {
    const r = spawnSync('bash', [script, '--dry-run'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage/);
  });
});
