/**
 * The reply-design flags shared by `callbench run` and `callbench agent`: `--preset` and the four
 * knobs of the reference agent's cascaded pipeline. Explicit knobs override the preset's values.
 */
import { REPLY_PRESET_NAMES, REPLY_PRESETS, replyOptionsOf, type ReplyPresetName } from '../../agent/reply/presets.ts';
import { DEFAULT_REPLY_OPTIONS, PLAYOUT_MODES, REST_BODY_MODES, TEXT_MODES, TTS_TRANSPORTS, type ReplyOptions } from '../../agent/reply/reply-options.ts';
import { BARGE_IN_POLICIES, type BargeInPolicy } from '../../agent/call/turn-detector.ts';
import { choiceFlag } from './options.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option specs. */
export const REPLY_OPTIONS = {
  preset: { type: 'string' },
  text: { type: 'string' },
  tts: { type: 'string' },
  'rest-body': { type: 'string' },
  playout: { type: 'string' },
  'barge-in': { type: 'string' },
} as const;

export interface ReplyFlagValues {
  preset?: string | undefined;
  text?: string | undefined;
  tts?: string | undefined;
  'rest-body'?: string | undefined;
  playout?: string | undefined;
  'barge-in'?: string | undefined;
}

const describePreset = (name: ReplyPresetName): string => {
  const { text, tts, restBody, playout } = REPLY_PRESETS[name];
  return `text=${text} tts=${tts}${tts === 'rest' ? ` rest-body=${restBody}` : ''} playout=${playout}`;
};

export const REPLY_HELP = `Reply design of the cascaded pipeline (explicit knobs override the preset's values):
  --preset NAME         ${REPLY_PRESET_NAMES.map((name) => `${name} (${describePreset(name)})`).join(',\n                        ')}
  --text MODE           how LLM text goes to TTS: ${TEXT_MODES.join(', ')} (default sentence);
                        token = every token as it arrives, one Flush per reply; full = the whole reply at once
  --tts TRANSPORT       TTS transport: ${TTS_TRANSPORTS.join(', ')} (default ws); rest = one POST /v1/speak per
                        sentence (text=sentence or token) or per reply (text=full)
  --rest-body MODE      with --tts rest: ${REST_BODY_MODES.join(', ')} (default stream); buffer = forward the
                        audio only once the whole response body has arrived
  --playout MODE        how audio reaches Twilio: ${PLAYOUT_MODES.join(', ')} (default direct); poll = through
                        a queue polled every 10 ms, as the seed analysis's agent does
  --barge-in POLICY     what interrupts the agent: ${BARGE_IN_POLICIES.join(', ')} (default words); words = a
                        transcript with words other than backchannels ("uh-huh", "mm-hmm", "okay"),
                        which are then not answered either; speech = SpeechStarted or any transcript
                        (clears in tens of ms, but stops for a backchannel or noise too)`;

/** The barge-in policy --barge-in asks for, if given. */
export function parseBargeInFlag(values: ReplyFlagValues): BargeInPolicy | undefined {
  return values['barge-in'] === undefined ? undefined : choiceFlag('barge-in', values['barge-in'], 'words', BARGE_IN_POLICIES);
}

/** The reply options the flags ask for, or undefined when none was given (the agent's defaults). */
export function parseReplyFlags(values: ReplyFlagValues): Partial<ReplyOptions> | undefined {
  const preset = values.preset === undefined ? undefined : choiceFlag<ReplyPresetName>('preset', values.preset, 'seed-fixed', REPLY_PRESET_NAMES);
  const knobs: Partial<ReplyOptions> = {};
  if (values.text !== undefined) knobs.text = choiceFlag('text', values.text, 'sentence', TEXT_MODES);
  if (values.tts !== undefined) knobs.tts = choiceFlag('tts', values.tts, 'ws', TTS_TRANSPORTS);
  if (values['rest-body'] !== undefined) knobs.restBody = choiceFlag('rest-body', values['rest-body'], 'stream', REST_BODY_MODES);
  if (values.playout !== undefined) knobs.playout = choiceFlag('playout', values.playout, 'direct', PLAYOUT_MODES);
  const reply = replyOptionsOf(preset, knobs);
  return Object.keys(reply).length === 0 ? undefined : reply;
}

/**
 * Refuses a knob given on the command line that the design it ends up in ignores: `--rest-body`
 * without REST TTS, `--text token` with REST TTS (which makes one request per sentence, so it
 * runs as `sentence`), and `--preset` when the knobs given override all of it. `effective` is
 * the reply design after the preset and, for `callbench agent`, the AGENT_* variables: a knob is
 * idle only given all of them.
 */
export function refuseIdleReplyKnobs(values: ReplyFlagValues, effective: Partial<ReplyOptions> | undefined): void {
  const tts = effective?.tts ?? DEFAULT_REPLY_OPTIONS.tts;
  if (values['rest-body'] !== undefined && tts !== 'rest') {
    throw new UsageError(`--rest-body applies to --tts rest only (the body of a REST TTS response), but TTS is ${tts} here`);
  }
  if (values.preset !== undefined && values.text !== undefined && values.tts !== undefined && values.playout !== undefined && (values['rest-body'] !== undefined || tts !== 'rest')) {
    throw new UsageError(`--preset ${values.preset} has no effect: --text, --tts${tts === 'rest' ? ', --rest-body' : ''} and --playout set every knob it sets; drop --preset or a knob`);
  }
  if (values.text === 'token' && tts === 'rest') {
    throw new UsageError('--text token has no effect with --tts rest: REST TTS makes one request per sentence, so it runs as --text sentence; give --text sentence, or --tts ws for token streaming');
  }
}
