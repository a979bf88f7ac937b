/** callbench's exit codes (k6's 99 for a threshold breach). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  conformance: 3,
  threshold: 99,
} as const;
