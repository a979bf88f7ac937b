/** A worker thread for worker-agent.test.ts: reads the shared clock (the offset it is given) when asked. */
import { parentPort, workerData } from 'node:worker_threads';
import { createSystemClock, measureSystemClockOffset } from '../../../harness/clock.ts';

const own = measureSystemClockOffset();
const clock = createSystemClock({ shareOffsetOf: (workerData as { offset: number }).offset, ownOffset: own });
parentPort?.on('message', () => parentPort?.postMessage({ readAt: clock.now(), uncertaintyMs: own.uncertaintyMs }));
