/**
 * Long synchronous work written as a generator that `yield`s between steps, run either at once
 * (`runSteps`) or with the event loop let run between steps (`runStepsYielding`): an import plans
 * while its paced calls to the service are due, and a step that held the loop ~0.3 s made a call
 * go out late, together with the next one.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export { nextTurn };

export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export async function runStepsYielding<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}
