/**
 * removeAtExit: a folder registered is removed when the process exits, even on an uncaught
 * exception; one whose registration was withdrawn (its owner removed it, or keeps it) is not.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('removeAtExit', () => {
  it('removes a registered folder when the process dies of an uncaught exception, and leaves a withdrawn one', async () => {
    const script = `
      import { mkdtempSync, writeFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import path from 'node:path';
      import { removeAtExit } from './harness/remove-at-exit.ts';
      const doomed = mkdtempSync(path.join(tmpdir(), 'callbench-exit-test-'));
      writeFileSync(path.join(doomed, 'mocks-ca.pem'), 'x');
      removeAtExit(doomed);
      const kept = mkdtempSync(path.join(tmpdir(), 'callbench-exit-test-'));
      removeAtExit(kept)();
      console.log(JSON.stringify({ doomed, kept }));
      setTimeout(() => { throw new Error('the harness crashed'); }, 0);
    `;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT }, () => undefined);
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out }));
    });
    const { doomed, kept } = JSON.parse(stdout) as { doomed: string; kept: string };
    try {
      expect(code).toBe(1);
      expect(existsSync(doomed)).toBe(false);
      expect(existsSync(kept)).toBe(true);
    } finally {
      await rm(kept, { recursive: true, force: true });
      await rm(doomed, { recursive: true, force: true });
    }
  });
});
