/** The run command refuses mixed load models before doing anything: exit 2 and one line on stderr. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function callbench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'callbench.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('callbench run load flags', () => {
  it('--arrival-rate with --calls: exit 2, one stderr line naming both flags', () => {
    const { status, stdout, stderr } = callbench('run', '--arrival-rate', '1', '--calls', '2');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--arrival-rate.*--calls.*mutually exclusive/);
  });

  it('--arrival-rate with --concurrency: exit 2, one stderr line naming both flags', () => {
    const { status, stderr } = callbench('run', '--arrival-rate', '0.5', '--duration', '10s', '--concurrency', '2');
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--arrival-rate.*--concurrency.*mutually exclusive/);
  });

  it('a malformed --duration: exit 2, one stderr line', () => {
    const { status, stderr } = callbench('run', '--arrival-rate', '1', '--duration', '10 parsecs');
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--duration expects a duration/);
  });
});
