/** Runs the callbench command line as a user would (`node bin/callbench.js …`) and collects what it printed. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env`, when given, replaces the inherited environment. */
export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/callbench.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(env === undefined ? {} : { env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
