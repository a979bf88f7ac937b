/**
 * Progress of a run on stderr, as the CLI shows it. Without a status line (stderr is a pipe or a
 * file, `io.status` absent) it prints the plain lines of progress.ts, as before. On a terminal it
 * keeps one live status line (live-progress.ts) redrawn every `periodMs`, and prints above it only
 * what a person must not miss: a call that failed or failed a check, a failed teardown verdict;
 * once the run has ended the last status stays as a plain line.
 */
import type { Clock } from '../clock.ts';
import type { RunEvent } from '../runner/events.ts';
import type { Run } from '../runner/start-run.ts';
import { createLiveStatus } from './live-progress.ts';
import { callVerdictText, createProgressPrinter } from './progress.ts';

/** What progress writes to (the CLI's CommandIo). */
export interface ProgressIo {
  progress(text: string): void;
  status?: (text: string) => void;
}

export const LIVE_PERIOD_MS = 2000;

/** The plain lines a live display still prints: those that say something went wrong. */
function worthALine(event: RunEvent): boolean {
  switch (event.type) {
    case 'call-ended':
      return callVerdictText(event.call) !== 'ok';
    case 'check-verdict':
      return true;
    default:
      return false;
  }
}

export function attachProgress(run: Run, io: ProgressIo, clock: Clock, periodMs = LIVE_PERIOD_MS): void {
  const printer = createProgressPrinter();
  const status = io.status;
  if (status === undefined) {
    run.subscribe((event) => {
      for (const line of printer(event)) io.progress(line);
    });
    return;
  }
  const live = createLiveStatus();
  let began: number | undefined;
  let cancel: (() => void) | undefined;
  const draw = (): void => status(live.line(clock.now() - (began ?? clock.now())));
  const tick = (): void => {
    draw();
    cancel = clock.at(clock.now() + periodMs, tick);
  };
  const stop = (): void => {
    cancel?.();
    cancel = undefined;
  };
  run.subscribe((event) => {
    live.add(event);
    // The printer keeps its own counts: it sees every event, whether its lines are shown or not.
    const lines = printer(event);
    if (event.type === 'run-started') {
      began = clock.now();
      tick();
      return;
    }
    if (event.type === 'run-ended') {
      stop();
      const last = live.line(clock.now() - (began ?? clock.now()));
      status('');
      io.progress(last);
      return;
    }
    if (worthALine(event)) for (const line of lines) io.progress(line);
  });
  // A run that fails to start (or throws) emits no run-ended: the timer must not outlive it.
  run.result.then(stop, () => {
    stop();
    status('');
  });
}
