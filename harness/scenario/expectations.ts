/**
 * What each `say` step expects of the agent (check turn.expected): stated with `expect`, or decided
 * by where the step stands. A say whose nearest earlier step of the conversation is a
 * wait_for_agent_audio speaks over the agent's audio: `interrupt`. One after a wait_for_agent (the
 * agent has finished), after another say (queued behind it, before any reply), or first of all:
 * `reply`. Steps that do not move the conversation on (pause, dtmf, noise, inject) are looked
 * past. Budgets must fit the expectation: `clearWithinMs` only an `interrupt`, `replyWithinMs` a
 * `reply` or an `interrupt` (the answer after it), neither an `ignore`.
 */
import type { UtteranceExpectation } from '../caller/timeline.ts';
import type { ScenarioStep } from './schema.ts';

const LOOKED_PAST: ReadonlySet<ScenarioStep['type']> = new Set(['pause', 'dtmf', 'noise', 'inject']);

/** The expectation of step `index` (a say step), with its budgets; undefined for any other step. */
export function expectationAt(steps: readonly ScenarioStep[], index: number): UtteranceExpectation | undefined {
  const step = steps[index];
  if (step?.type !== 'say') return undefined;
  const expect = step.expect ?? defaultExpectation(steps, index);
  return {
    expect,
    stated: step.expect !== undefined,
    ...(step.clearWithinMs === undefined ? {} : { clearWithinMs: step.clearWithinMs }),
    ...(step.replyWithinMs === undefined ? {} : { replyWithinMs: step.replyWithinMs }),
  };
}

function defaultExpectation(steps: readonly ScenarioStep[], index: number): 'reply' | 'interrupt' {
  for (let i = index - 1; i >= 0; i--) {
    const step = steps[i];
    if (step === undefined || LOOKED_PAST.has(step.type)) continue;
    return step.type === 'wait_for_agent_audio' ? 'interrupt' : 'reply';
  }
  return 'reply';
}

export interface BudgetProblem {
  index: number;
  field: 'clearWithinMs' | 'replyWithinMs';
  message: string;
}

/** Budgets that do not fit their step's expectation, for the scenario schema to refuse. */
export function budgetProblems(steps: readonly ScenarioStep[]): BudgetProblem[] {
  return steps.flatMap((step, index): BudgetProblem[] => {
    const expectation = expectationAt(steps, index);
    if (step.type !== 'say' || expectation === undefined) return [];
    const how = expectation.stated ? `this step expects ${expectation.expect}` : `this step expects ${expectation.expect} (by default, from where it stands; set "expect" to change it)`;
    const problems: BudgetProblem[] = [];
    if (step.clearWithinMs !== undefined && expectation.expect !== 'interrupt') problems.push({ index, field: 'clearWithinMs', message: `applies only to a step expected to interrupt; ${how}` });
    if (step.replyWithinMs !== undefined && expectation.expect === 'ignore') problems.push({ index, field: 'replyWithinMs', message: `applies only to a step expected to reply or interrupt; ${how}` });
    return problems;
  });
}
