import { cleanLeftovers } from '../../checks/janitor.ts';
import { runContext } from '../../src/model/run-context.ts';

/**
 * Root hook of the conformance suite: before any check sets up, objects labelled by earlier runs (a killed
 * harness never tears down) are deleted, so their pods and claims cannot disturb this run's verdicts.
 */
before('remove leftovers of earlier runs', async () => {
  const { kube, runId } = runContext();
  const { deleted } = await cleanLeftovers(kube, runId);
  if (deleted.length > 0)
    process.stderr.write(`janitor: deleted ${deleted.length} leftovers: ${deleted.join(', ')}\n`);
});
