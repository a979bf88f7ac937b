/** The JSON sidecar of a caller-utterance fixture: what is said and where the voice is. */
import { z } from 'zod';

export const FixtureSidecar = z.object({
  name: z.string().min(1),
  text: z.string().min(1),
  sampleRate: z.number().int().positive(),
  durationMs: z.number().nonnegative(),
  voiced: z
    .array(z.object({ startMs: z.number().nonnegative(), endMs: z.number().nonnegative() }))
    .min(1, 'at least one voiced span'),
});
export type FixtureSidecar = z.infer<typeof FixtureSidecar>;
