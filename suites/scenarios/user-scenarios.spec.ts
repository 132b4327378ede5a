import { describeScenario } from './describe-scenario.ts';
import { loadScenario } from './load-scenario.ts';
import { userScenarioFiles } from './scenario-files.ts';

// The files of `gauntlet run --scenario` / `gauntlet scenario run`, validated by the job before anything started.
for (const file of userScenarioFiles()) describeScenario(await loadScenario(file));
