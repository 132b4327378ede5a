import { describeScenario } from '../scenarios/describe-scenario.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { libraryFiles } from '../scenarios/scenario-files.ts';

// The scenario library (suites/chaos/library/*.yaml): each file one suite, in file-name order.
for (const file of await libraryFiles()) describeScenario(await loadScenario(file));
