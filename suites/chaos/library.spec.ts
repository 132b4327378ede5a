import { describeScenario } from '../scenarios/describe-scenario.ts';
import { loadScenario } from '../scenarios/load-scenario.ts';
import { libraryFiles } from '../scenarios/scenario-files.ts';

// The scenario library (suites/chaos/library/*.yaml): each file one suite, in file-name order, those that leave
// the cluster in a state that would skew the next one (metadata.runsLast) after the others.
const library = await Promise.all((await libraryFiles()).map((f) => loadScenario(f)));
for (const last of [false, true])
  for (const loaded of library.filter((l) => l.spec.metadata.runsLast === last)) describeScenario(loaded);
