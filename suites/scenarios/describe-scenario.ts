import { runContext } from '../../src/model/run-context.ts';
import type { ScenarioStep } from '../../src/model/scenario-file.ts';
import { skipBecause } from '../skip.ts';
import { unmetRequirements } from './capabilities.ts';
import type { LoadedScenario } from './load-scenario.ts';
import { factsOf, ScenarioRun } from './scenario-run.ts';

/** The file's steps as tests: a step with `test:` starts a new one; steps before any title belong to the first. */
export function testsOf(
  loaded: LoadedScenario,
): { title: string; steps: { step: ScenarioStep; index: number }[] }[] {
  const { spec } = loaded;
  const tests: { title: string; steps: { step: ScenarioStep; index: number }[] }[] = [];
  for (const [index, step] of spec.steps.entries()) {
    if (step.test !== undefined || tests.length === 0)
      tests.push({ title: step.test ?? spec.metadata.description ?? spec.metadata.name, steps: [] });
    tests.at(-1)!.steps.push({ step, index });
  }
  return tests;
}

/** Bounds in a scenario are seconds to minutes; a test stuck past this is a harness problem, not a verdict. */
const scenarioTestTimeoutMs = 600_000;

/**
 * A scenario file as a mocha suite: skipped with the reason when the cluster lacks a capability, else its tests in
 * order sharing one ScenarioRun, the expectations judged in the last; everything reverted and removed in after().
 */
export function describeScenario(loaded: LoadedScenario): void {
  const { spec } = loaded;
  const tests = testsOf(loaded);
  describe(spec.metadata.title ?? spec.metadata.name, function () {
    this.timeout(scenarioTestTimeoutMs);
    let run: ScenarioRun | undefined;
    before(async function () {
      const reasons = unmetRequirements(spec, factsOf(runContext()));
      if (reasons.length > 0) skipBecause(this, reasons.join('; '));
      run = await ScenarioRun.open(loaded, runContext());
    });
    after(async () => {
      await run?.close();
    });
    for (const [i, t] of tests.entries()) {
      it(t.title, async () => {
        await run!.steps(t.steps);
        if (i < tests.length - 1) return;
        try {
          await run!.judge();
        } finally {
          await run!.finish();
        }
      });
    }
  });
}
