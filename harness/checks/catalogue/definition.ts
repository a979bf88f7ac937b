/** What a check is: its severity, the one line it asserts, and the REFERENCE-AGENTS §5 behaviour it judges. */
export type Severity = 'error' | 'warning';

export interface CheckDefinition {
  severity: Severity;
  /** One line: what passing means. */
  asserts: string;
  /** The behaviour of ../shared/docs/REFERENCE-AGENTS.md §5 it judges (A1 … D21), or '—'. */
  behaviour: string;
}
