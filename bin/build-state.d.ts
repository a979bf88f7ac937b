/** See build-state.js. */
export type BuildState = 'package' | 'fresh' | 'stale' | 'missing';
export function buildState(root: string): BuildState;
