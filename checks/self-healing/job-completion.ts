import type { V1Job, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Check, CheckContext, CheckResult } from '../check.ts';
import { checkApis } from '../support/apis.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const succeeding = { name: 'batch', completions: 4, parallelism: 2 };
const failing = { name: 'doomed', backoffLimit: 1 };
/** The kwok stage (fixtures/kwok/stages.yaml) that fails pods carrying this annotation. */
const simulateFailure = { 'gauntlet.dev/simulate': 'fail' };
/**
 * The Job controller waits 10 s (doubling) before replacing a failed pod; backoffLimit 1 means one such wait.
 * Plus pod starts: the bound for both Jobs, which run side by side.
 */
const boundMs = 30_000;

const condition = (job: V1Job | undefined, type: string) =>
  job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');

const describeJob = (job: V1Job | undefined) =>
  job
    ? `${job.metadata?.name}: ${job.status?.active ?? 0} active, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed, conditions ${(job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`).join(' ') || 'none'}`
    : 'not found';

/**
 * Pods must really end, with exit 0 and exit 1: a shell in a container where pods run containers, else the
 * embedded cluster's kwok stages (a simulated pod succeeds; one carrying the annotation fails).
 */
function jobPodTemplate(ctx: CheckContext, job: string, exit: 'exit 0' | 'exit 1'): V1PodTemplateSpec {
  const containers = ctx.capabilities.containers;
  const template = podTemplate(
    { ...ctx.labels, job },
    { restartPolicy: 'Never', ...(exit === 'exit 1' ? { annotations: simulateFailure } : {}) },
  );
  if (containers.available) {
    const container = template.spec!.containers[0]!;
    container.image = containers.shellImage;
    container.imagePullPolicy = 'IfNotPresent';
    container.command = ['/bin/sh', '-c', exit];
    if (containers.nodes)
      template.spec!.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [containers.nodes] },
        },
      };
  }
  return template;
}

const canRunJobs = (ctx: CheckContext) => ctx.capabilities.containers.available || ctx.capabilities.ownsNodes;

function skipped(ctx: CheckContext): CheckResult {
  const c = ctx.capabilities.containers;
  const why = c.available ? '' : ` (${c.reason})`;
  return {
    status: 'skipped',
    reason: `pods on this cluster run no containers${why}, and only the embedded cluster has the kwok stage that fails a pod: no pod here can end with exit 0 or 1`,
  };
}

/**
 * A Job runs to completion with its parallelism and completions, and a Job whose pods fail is retried up to
 * backoffLimit and then marked Failed (BackoffLimitExceeded). Mirrors "[sig-apps] Job should run a job to
 * completion when tasks succeed" and "[sig-apps] Job should fail to exceed backoffLimit" (failed pods =
 * backoffLimit + 1). Pods fail through a kwok stage on the embedded cluster, by exit 1 on real ones.
 */
export const jobCompletion: Check = {
  name: 'job-completion',
  tags: ['SelfHealing'],
  async setup(ctx) {
    if (!canRunJobs(ctx)) return;
    const { batch } = checkApis(ctx.kube);
    // Both Jobs start here: the failing one's retry back-off runs while the other completes.
    await Promise.all([
      batch.createNamespacedJob({
        namespace: ctx.namespace,
        body: {
          metadata: { name: succeeding.name, namespace: ctx.namespace, labels: ctx.labels },
          spec: {
            completions: succeeding.completions,
            parallelism: succeeding.parallelism,
            template: jobPodTemplate(ctx, succeeding.name, 'exit 0'),
          },
        },
      }),
      batch.createNamespacedJob({
        namespace: ctx.namespace,
        body: {
          metadata: { name: failing.name, namespace: ctx.namespace, labels: ctx.labels },
          spec: { backoffLimit: failing.backoffLimit, template: jobPodTemplate(ctx, failing.name, 'exit 1') },
        },
      }),
    ]);
  },
  assess: async (ctx, deadline) => {
    if (!canRunJobs(ctx)) return skipped(ctx);
    return judge(async () => {
      const bound = Math.min(deadline.timeoutMs, boundMs);
      const started = Date.now();
      // Parallelism, judged on every pod event: never more than `parallelism` pods of the Job running at once.
      const pods = informers.pods(ctx.kube, ctx.namespace, `job=${succeeding.name}`);
      let mostRunning = 0;
      pods.on('change', () => {
        const running = pods
          .list()
          .filter((p: V1Pod) => p.status?.phase === 'Running' || p.status?.phase === 'Pending').length;
        mostRunning = Math.max(mostRunning, running);
      });
      await pods.start();
      let jobs: V1Job[];
      try {
        jobs = await waitFor(ctx.kube, collections.jobs(ctx.kube, ctx.namespace), {
          done: (list) => {
            const ok = list.find((j) => j.metadata?.name === succeeding.name);
            const bad = list.find((j) => j.metadata?.name === failing.name);
            if (condition(ok, 'Failed'))
              throw new Unmet(`Job ${ctx.namespace}/${succeeding.name} failed: ${describeJob(ok)}`);
            if (condition(bad, 'Complete'))
              throw new Unmet(`Job ${ctx.namespace}/${failing.name} completed although every pod fails`);
            return condition(ok, 'Complete') && condition(bad, 'Failed') ? list : undefined;
          },
          what: `Job ${ctx.namespace}/${succeeding.name} Complete (${succeeding.completions} completions, parallelism ${succeeding.parallelism}) and Job ${ctx.namespace}/${failing.name} Failed after backoffLimit ${failing.backoffLimit}`,
          progress: (list) => list.map(describeJob).join('; '),
          timeoutMs: bound,
        });
      } finally {
        pods.stop();
      }
      const ok = jobs.find((j) => j.metadata?.name === succeeding.name)!;
      const bad = jobs.find((j) => j.metadata?.name === failing.name)!;
      if (ok.status?.succeeded !== succeeding.completions)
        throw new Unmet(
          `Job ${ctx.namespace}/${succeeding.name}: ${ok.status?.succeeded} succeeded; expected exactly ${succeeding.completions}`,
        );
      if (mostRunning > succeeding.parallelism)
        throw new Unmet(
          `Job ${ctx.namespace}/${succeeding.name}: ${mostRunning} pods active at once; parallelism is ${succeeding.parallelism}`,
        );
      const reason = condition(bad, 'Failed')?.reason;
      if (reason !== 'BackoffLimitExceeded' || bad.status?.failed !== failing.backoffLimit + 1)
        throw new Unmet(
          `Job ${ctx.namespace}/${failing.name}: Failed with reason ${reason} after ${bad.status?.failed} failed pods; expected BackoffLimitExceeded after ${failing.backoffLimit + 1} (backoffLimit ${failing.backoffLimit})`,
        );
      return `${succeeding.name}: ${succeeding.completions} completions, at most ${mostRunning} at once; ${failing.name}: ${bad.status?.failed} failed pods then BackoffLimitExceeded; ${((Date.now() - started) / 1000).toFixed(1)} s`;
    });
  },
  monitor: (ctx, signal, emit) => {
    const jobs = informers.jobs(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [jobs],
      signal,
      emit,
      judge: () => {
        const ok = jobs.get(succeeding.name, ctx.namespace);
        if (condition(ok, 'Failed'))
          return {
            ok: false,
            detail: `Job ${ctx.namespace}/${succeeding.name}: expected to complete; ${describeJob(ok)}`,
          };
        const bad = jobs.get(failing.name, ctx.namespace);
        if ((bad?.status?.failed ?? 0) > failing.backoffLimit + 1)
          return {
            ok: false,
            detail: `Job ${ctx.namespace}/${failing.name}: ${bad?.status?.failed} failed pods; backoffLimit ${failing.backoffLimit} allows ${failing.backoffLimit + 1}`,
          };
        return {
          ok: true,
          detail: `Jobs in ${ctx.namespace}: no failure of ${succeeding.name}, retries of ${failing.name} within backoffLimit`,
        };
      },
    });
  },
  async teardown() {},
};
