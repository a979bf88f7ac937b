/**
 * Where a run's report goes: `--out DIR`, else ./reports/<run-id>/ of the working directory (the
 * user's repository, never the installed package). A run id says what ran, so a folder of runs
 * reads as a list: <start time>-<profile>-<agent>, e.g. 2026-12-01T20-09-28-705Z-instant-reference,
 * made of characters every filesystem accepts.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './usage-error.ts';

/** The longest agent part of a run id: enough to tell agents apart, short enough for a path. */
const MAX_LABEL = 40;

/** `text` as a lowercase run-id part: letters, digits, dots and dashes only. */
export function safePart(text: string): string {
  const safe = text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_LABEL)
    .replace(/[-.]+$/, '');
  return safe === '' ? 'agent' : safe;
}

const INTERPRETERS = new Set(['node', 'nodejs', 'python', 'python3', 'bun', 'deno', 'npx', 'npm', 'pnpm', 'yarn', 'uv', 'uvx', 'poetry', 'run', 'exec', 'env', 'tsx', 'go', 'ruby', 'java', '-m', 'sh', 'bash']);

/**
 * What ran, for the run id: the reference agent's preset (or `reference`, `reference-realtime`),
 * the script an --agent-cmd runs (`node agents/bot.mjs` → bot), or the host and port of an --agent-url.
 */
export function agentLabel(agent: { cmd?: string | undefined; url?: string | undefined; preset?: string | undefined; mode?: string | undefined }): string {
  if (agent.cmd !== undefined) {
    const words = agent.cmd.split(/\s+/).filter((word) => word !== '' && !word.startsWith('-') && !word.includes('='));
    const script = words.find((word) => !INTERPRETERS.has(path.basename(word))) ?? words[0] ?? 'agent';
    return safePart(path.basename(script).replace(/\.[a-z0-9]+$/i, ''));
  }
  if (agent.url !== undefined) {
    try {
      const url = new URL(agent.url);
      return safePart(`url-${url.hostname}-${url.port}`);
    } catch {
      return 'url';
    }
  }
  if (agent.preset !== undefined) return safePart(agent.preset);
  return agent.mode === 'realtime' ? 'reference-realtime' : 'reference';
}

/** The run id of a run that started at `startedAt` (ISO) with `profile`, against `label`. */
export function runId(startedAt: string, profile: string, label: string): string {
  return `${startedAt.replace(/[:.]/g, '-')}-${safePart(profile)}-${label}`;
}

/**
 * Checks `--out DIR` before the run, so a bad one is refused before minutes of calls: it may not
 * be a file, and it (or, without it, ./reports) must be creatable. Returns the absolute path.
 */
export async function checkOutDir(out: string | undefined, cwd: string): Promise<string | undefined> {
  const dir = out === undefined ? path.join(cwd, 'reports') : path.resolve(cwd, out);
  const flag = out === undefined ? `the report folder ${path.relative(cwd, dir)}` : `--out ${out}`;
  const existing = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UsageError(`${flag}: cannot be read (${error.code ?? 'error'})`);
  });
  if (existing !== undefined && !existing.isDirectory()) throw new UsageError(`${flag}: is a file; expects a folder for the report (created when missing)`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot be created (${code ?? 'error'})${code === 'ENOTDIR' ? ': part of the path is a file' : ''}`);
  }
  return out === undefined ? undefined : dir;
}

/**
 * The report folder of a finished run, created: `out` itself when given, else a new
 * ./reports/<run-id> (a suffix -2, -3 … should one of that name exist, so a run never writes
 * into another's).
 */
export async function makeReportDir(out: string | undefined, cwd: string, id: string): Promise<string> {
  if (out !== undefined) {
    await mkdir(out, { recursive: true });
    return out;
  }
  const parent = path.join(cwd, 'reports');
  await mkdir(parent, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = path.join(parent, n === 1 ? id : `${id}-${n}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
