export * from './parse.ts';
export * from './twilio.ts';
export * from './deepgram.ts';
export * from './openai.ts';
export * from './realtime.ts';
