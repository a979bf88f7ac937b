/**
 * The micro part of `npm run bench` (`--only micro`): how much CPU the harness itself spends per simulated call, and so how many
 * concurrent calls one core can drive before the harness, not the agent, is the bottleneck.
 *
 * Each tinybench task is one 20 ms frame of a hot path (bench/paths.ts), on a realistic
 * conversation (bench/inputs.ts): the caller sending a `media` frame and receiving one, the mock
 * Deepgram listen path, the conversation script's envelope match, and the mock Realtime input.
 * The table gives ops/s and the median and p99 of the per-op latency. Below it, one line per path
 * and per agent mode turns the medians into µs of CPU per call-second (50 frames, plus the
 * matches a call-second needs) and a number of calls per core at 50 % CPU: an upper bound that
 * leaves out the agent, I/O and GC. The p99 column shows how much worse a frame can be.
 */
import { Bench } from 'tinybench';
import { twilioSid } from '../harness/caller/ids.ts';
import { agentMediaMessages, CALLER_GAP_MS, conversationFrames, loadFixtures, scriptWith } from './inputs.ts';
import {
  callerReceiveMedia,
  callerSendFrame,
  deepgramListenFrame,
  realtimeInputFrame,
  recordMatches,
  referenceListenParams,
  scriptMatch,
} from './paths.ts';
import { capacityLine, FRAMES_PER_CALL_SECOND, opLatency, tableRow, type CostPart } from './report.ts';

const TASKS = {
  send: 'caller: pace, build and send a media frame',
  receive: 'caller: parse and decode an agent media message',
  listen: 'mock Deepgram listen: decode + VAD + recogniser',
  match: 'script.match (all fixtures registered)',
  realtime: 'mock Realtime input: decodeInput + turn detector',
} as const;

export async function runMicro(): Promise<void> {
  const fixtures = loadFixtures();
  const script = scriptWith(fixtures);
  const frames = conversationFrames(fixtures);
  const params = referenceListenParams();
  const streamSid = twilioSid('MZ');
  const matches = recordMatches(frames, script, params);
  const envelopes = [...matches.deepgram.envelopes, ...matches.realtime.envelopes];

  console.log(
    `Inputs: ${fixtures.length} fixtures registered (${fixtures.map((f) => f.id).join(', ')}); the caller says each, then is silent ` +
      `${CALLER_GAP_MS} ms: ${matches.deepgram.seconds.toFixed(1)} s of audio, ${frames.length} frames, looped.`,
  );
  for (const [name, record] of [['Deepgram recogniser', matches.deepgram], ['Realtime turn detector', matches.realtime]] as const) {
    console.log(
      `  ${name}: ${record.calls} script.match calls in one pass (${(record.calls / record.seconds).toFixed(2)} per call-second), ` +
        `recognised ${record.recognised.size} of ${fixtures.length} utterances.`,
    );
  }
  console.log('Running (Node ' + process.version + ', about 20 s)…\n');

  const bench = new Bench({ name: 'callbench harness, per 20 ms frame', time: 2500, warmupTime: 500, timestampProvider: 'hrtimeNow', subtractTimerOverhead: true });
  bench
    .add(TASKS.send, callerSendFrame(fixtures, streamSid))
    .add(TASKS.receive, callerReceiveMedia(agentMediaMessages(streamSid), streamSid))
    .add(TASKS.listen, deepgramListenFrame(frames, script, params))
    .add(TASKS.match, scriptMatch(envelopes, script))
    .add(TASKS.realtime, realtimeInputFrame(frames, script));
  bench.runSync();

  console.table(bench.table(tableRow));

  const latency = (name: string) => {
    const task = bench.getTask(name);
    if (task === undefined) throw new Error(`no task ${name}`);
    return opLatency(task);
  };
  const send: CostPart = { label: 'send', unit: 'frames', perSecond: FRAMES_PER_CALL_SECOND, op: latency(TASKS.send) };
  const receive: CostPart = { label: 'receive', unit: 'frames', perSecond: FRAMES_PER_CALL_SECOND, op: latency(TASKS.receive) };
  const listen: CostPart[] = [
    { label: 'listen', unit: 'frames', perSecond: FRAMES_PER_CALL_SECOND, op: latency(TASKS.listen) },
    { label: 'match', unit: 'matches', perSecond: matches.deepgram.calls / matches.deepgram.seconds, op: latency(TASKS.match) },
  ];
  const realtime: CostPart[] = [
    { label: 'realtime input', unit: 'frames', perSecond: FRAMES_PER_CALL_SECOND, op: latency(TASKS.realtime) },
    { label: 'match', unit: 'matches', perSecond: matches.realtime.calls / matches.realtime.seconds, op: latency(TASKS.match) },
  ];

  console.log('\nCPU per call-second, from the medians:');
  console.log(capacityLine('caller send', [send]));
  console.log(capacityLine('caller receive (agent audio all the time)', [receive]));
  console.log(capacityLine('mock Deepgram listen', listen));
  console.log(capacityLine('mock Realtime input', realtime));
  console.log(capacityLine('total, cascaded agent (caller + Deepgram listen)', [send, receive, ...listen]));
  console.log(capacityLine('total, Realtime agent (caller + Realtime input)', [send, receive, ...realtime]));
  console.log(
    '\nThese are upper bounds: they count only the harness work measured here, at the median frame.\n' +
      'They ignore the agent (usually in the same process, and far heavier), I/O (system calls, TCP, timers),\n' +
      'garbage collection, the mock TTS and LLM, journals and event-loop scheduling. The p99 column shows\n' +
      'the occasional slow frame (a script match, an utterance queued, a GC pause).',
  );
}

