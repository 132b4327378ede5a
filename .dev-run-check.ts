// Temporary dev driver (not committed): runs checks by module path against an attached cluster.
import { attachLocalCluster } from './clusters/provision.ts';
import { closeCheckContext, openCheckContext } from './checks/check-context.ts';
import type { Check } from './checks/check.ts';
import { configSchema } from './src/config/schema.ts';
import { setRunContext } from './src/run/run-context.ts';

const [clusterName, ...mods] = process.argv.slice(2);
const cluster = await attachLocalCluster(clusterName!);
const runId = `dev${Math.random().toString(36).slice(2, 6)}`;
const run = setRunContext({ runId, config: configSchema.parse({ apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' }), cluster, outDir: '/tmp/dev' });
for (const spec of mods) {
  const [file, exp] = spec.split(':');
  const mod = await import(`./${file}`);
  const check: Check = mod[exp!];
  const t0 = Date.now();
  const ctx = await openCheckContext(run, check.name);
  await check.setup(ctx);
  const t1 = Date.now();
  const ac = new AbortController();
  const transitions: unknown[] = [];
  const mon = check.monitor(ctx, ac.signal, (t) => transitions.push({ ...t, lat: t.at - t.observedAt }));
  const result = await check.assess(ctx, { timeoutMs: 60_000 }).catch((e) => ({ status: 'error', e: String(e) }));
  const t2 = Date.now();
  ac.abort();
  await mon;
  await check.teardown(ctx);
  await closeCheckContext(ctx);
  console.log(JSON.stringify({ check: check.name, result, setupMs: t1 - t0, assessMs: t2 - t1, teardownMs: Date.now() - t2, transitions }, null, 1));
}
process.exit(0);
