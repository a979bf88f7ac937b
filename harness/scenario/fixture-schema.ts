/** The JSON sidecar of a caller-utterance fixture: what is said and where the voice is. */
import { z } from 'zod';

const VoicedSpan = z.object({ startMs: z.number().nonnegative(), endMs: z.number().nonnegative() });

export const FixtureSidecar = z
  .object({
    name: z.string().min(1),
    text: z.string().min(1),
    sampleRate: z.number().int().positive(),
    durationMs: z.number().nonnegative(),
    voiced: z.array(VoicedSpan).min(1, 'at least one voiced span'),
  })
  .superRefine((sidecar, ctx) => {
    // The spans are the caller's ground truth (when it stops talking, what the agent should hear):
    // each runs forward, after the one before, inside the audio.
    sidecar.voiced.forEach((span, k) => {
      if (span.endMs <= span.startMs) ctx.addIssue({ code: 'custom', path: ['voiced', k, 'endMs'], message: `${span.endMs} is not after startMs ${span.startMs}: a span ends after it starts` });
      const before = sidecar.voiced[k - 1];
      if (before !== undefined && span.startMs < before.endMs) ctx.addIssue({ code: 'custom', path: ['voiced', k, 'startMs'], message: `${span.startMs} is before the end of the span before it (${before.endMs}): spans are in order and apart` });
      if (span.endMs > sidecar.durationMs) ctx.addIssue({ code: 'custom', path: ['voiced', k, 'endMs'], message: `${span.endMs} is after the end of the audio (durationMs ${sidecar.durationMs})` });
    });
  });
export type FixtureSidecar = z.infer<typeof FixtureSidecar>;
