/**
 * What a baseline records of where it was measured: the machine (os, CPU model and count, total
 * memory) and the versions (callbench, Node, the SDKs). Reads the os module and the installed
 * packages' package.json files; nothing else.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { MachineFacts, Versions } from './format.ts';

/** The packages whose versions a baseline keeps: the agent's SDKs, and what the harness measures with. */
export const RECORDED_PACKAGES = ['@deepgram/sdk', 'openai', 'ws', 'hdr-histogram-js'] as const;

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpus: { model: (cpus[0]?.model ?? 'unknown').trim().replace(/\s+/g, ' '), count: cpus.length },
    totalMemoryBytes: os.totalmem(),
  };
}

const require = createRequire(import.meta.url);

function versionIn(file: string, name: string): string | null {
  try {
    const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === name && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // Not this file: the caller walks on.
  }
  return null;
}

/** The installed version of `name`, or null: its package.json, found directly or above its entry point (some packages export neither). */
export function installedVersion(name: string): string | null {
  try {
    return versionIn(require.resolve(`${name}/package.json`), name);
  } catch {
    // Its exports may hide package.json: walk up from the entry point instead.
  }
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return null;
  }
  for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const found = versionIn(path.join(dir, 'package.json'), name);
    if (found !== null) return found;
  }
  return null;
}

export function currentVersions(callbench: string): Versions {
  return { callbench, node: process.versions.node, sdks: Object.fromEntries(RECORDED_PACKAGES.map((name) => [name, installedVersion(name)])) };
}
