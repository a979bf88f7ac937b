export * from './mulaw.ts';
export * from './wav.ts';
export * from './frames.ts';
export * from './vad.ts';
export * from './synth.ts';
export * from './noise.ts';
export * from './decode.ts';
