import { expect } from 'chai';
import { ExitCode } from '../../src/errors.ts';
import { CheckClusters, controllersConfig as controllers } from '../helpers/check-clusters.ts';

/** A `gauntlet run` of a few checks can take a while on a broken cluster: every failing check waits its bound. */
const runTimeoutMs = 300_000;

/**
 * The [Rollout], [Storage] and [SelfHealing] checks against real embedded clusters: a healthy one passes them
 * all (dynamic provisioning skipped with its reason), and clusters broken on purpose through the provisioner's
 * component configuration fail exactly the checks covering what broke, with messages naming the object and
 * the expectation, while unrelated checks still pass.
 */
describe('[Rollout] [Storage] [SelfHealing] checks on healthy and broken embedded clusters', function () {
  this.timeout(runTimeoutMs + 60_000);
  let clusters: CheckClusters;

  before(async () => {
    clusters = await CheckClusters.create();
  });
  const up = (name: string, config?: string) => clusters.up(name, config);
  const down = (name: string) => clusters.down(name);
  const runChecks = (cluster: string, grep: string) => clusters.runChecks(cluster, grep, runTimeoutMs);

  describe('a healthy cluster', () => {
    before(() => up('wl-healthy'));
    after(() => down('wl-healthy'));

    it('passes every check, and says why dynamic provisioning is skipped', async () => {
      const started = Date.now();
      const { exitCode, verdicts } = await runChecks('wl-healthy', '\\[(Rollout|Storage|SelfHealing)\\]');
      expect(exitCode, JSON.stringify(verdicts, null, 2)).to.equal(ExitCode.Passed);
      expect(verdicts).to.deep.equal({
        'rolling-update': { state: 'passed' },
        rollover: { state: 'passed' },
        'proportional-scaling': { state: 'passed' },
        recreate: { state: 'passed' },
        rollback: { state: 'passed' },
        'progress-deadline': { state: 'passed' },
        'replaced-pods': { state: 'passed' },
        'statefulset-identity': { state: 'passed' },
        'job-completion': { state: 'passed' },
        'namespace-deletion': { state: 'passed' },
        'node-loss': { state: 'passed' },
        'static-binding': { state: 'passed' },
        'wait-for-first-consumer': { state: 'passed' },
        'zone-conflict': { state: 'passed' },
        'reclaim-policy': { state: 'passed' },
        'dynamic-provisioning': { state: 'skipped' },
      });
      process.stderr.write(`    (16 checks in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    });
  });

  describe('the Deployment controller disabled', () => {
    before(() => up('wl-no-deployments', controllers('*,-deployment-controller')));
    after(() => down('wl-no-deployments'));

    it('fails every [Rollout] check naming the Deployment and what it never did; ReplicaSets, Jobs and binding still pass', async () => {
      const { exitCode, verdicts } = await runChecks(
        'wl-no-deployments',
        '\\[Rollout\\]|\\[SelfHealing\\] (replaced-pods|job-completion)|\\[Storage\\] static-binding',
      );
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      for (const ok of ['replaced-pods', 'job-completion', 'static-binding'])
        expect(verdicts[ok]?.state, `${ok}: ${verdicts[ok]?.error}`).to.equal('passed');
      for (const [check, deployment] of [
        ['rolling-update', 'rolling'],
        ['rollover', 'rollover'],
        ['proportional-scaling', 'proportional'],
        ['recreate', 'recreate'],
        ['rollback', 'rollback'],
      ] as const) {
        expect(verdicts[check]?.state, check).to.equal('failed');
        expect(verdicts[check]?.error, verdicts[check]?.error).to.match(
          new RegExp(
            `expected Deployment gauntlet-${check}-\\S+/${deployment} to complete its rollout .* within \\d+ s; after \\d+\\.\\d s: observedGeneration 0/1, 0 updated`,
          ),
        );
      }
      expect(verdicts['progress-deadline']?.state).to.equal('failed');
      expect(verdicts['progress-deadline']?.error, verdicts['progress-deadline']?.error).to.match(
        /expected Deployment gauntlet-progress-deadline-\S+\/stuck \(pods unschedulable\) to report Progressing=False reason ProgressDeadlineExceeded \(progressDeadlineSeconds=3\) within 8 s; after \d+\.\d s: observedGeneration 0\/1/,
      );
    });
  });

  describe('the PersistentVolume binder disabled', () => {
    before(() => up('wl-no-binder', controllers('*,-persistentvolume-binder-controller')));
    after(() => down('wl-no-binder'));

    it('fails the binding checks naming the claims and volumes; scheduling verdicts and rollouts still pass', async () => {
      const { exitCode, verdicts } = await runChecks(
        'wl-no-binder',
        '\\[Storage\\] (static-binding|wait-for-first-consumer|zone-conflict|reclaim-policy)|\\[SelfHealing\\] (statefulset-identity|replaced-pods)|\\[Rollout\\] rolling-update',
      );
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      for (const ok of ['zone-conflict', 'replaced-pods', 'rolling-update'])
        expect(verdicts[ok]?.state, `${ok}: ${verdicts[ok]?.error}`).to.equal('passed');
      const failed = (check: string, pattern: RegExp) => {
        expect(verdicts[check]?.state, check).to.equal('failed');
        expect(verdicts[check]?.error, verdicts[check]?.error).to.match(pattern);
      };
      failed(
        'static-binding',
        /expected claims gauntlet-static-binding-\S+\/rwo-1gi, \S+\/rwx-2gi to be Bound to matching static volumes of class \S+ within \d+ s; after \d+\.\d s: .*rwo-1gi=Pending/,
      );
      failed(
        'wait-for-first-consumer',
        /expected the PV controller to leave claim gauntlet-wait-for-first-consumer-\S+\/data for its first consumer \(event WaitForFirstConsumer\) within \d+ s; after \d+\.\d s: events: none/,
      );
      failed(
        'reclaim-policy',
        /expected PersistentVolumes \S+-retain and \S+-delete to be Bound to their pre-bound claims within \d+ s; after \d+\.\d s: .*=(Pending|Available)/,
      );
      failed(
        'statefulset-identity',
        /expected StatefulSet gauntlet-statefulset-identity-\S+\/ordinal: 3 pods Running and Ready, created in ordinal order within \d+ s; after \d+\.\d s: ordinal-0=Pending/,
      );
    });
  });

  describe('no scheduler', () => {
    before(() =>
      up(
        'wl-no-scheduler',
        'cluster:\n  local:\n    components:\n      kube-scheduler:\n        enabled: false\n',
      ),
    );
    after(() => down('wl-no-scheduler'));

    it('fails the checks that need pods placed, naming the pod or workload; binding and namespace deletion still pass', async () => {
      const { exitCode, verdicts } = await runChecks(
        'wl-no-scheduler',
        '\\[Storage\\] (static-binding|reclaim-policy|wait-for-first-consumer|zone-conflict)|\\[SelfHealing\\] (replaced-pods|namespace-deletion)|\\[Rollout\\] progress-deadline',
      );
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      // A stuck rollout is still reported as stuck: the Deployment controller does not need a scheduler.
      for (const ok of ['static-binding', 'reclaim-policy', 'namespace-deletion', 'progress-deadline'])
        expect(verdicts[ok]?.state, `${ok}: ${verdicts[ok]?.error}`).to.equal('passed');
      const failed = (check: string, pattern: RegExp) => {
        expect(verdicts[check]?.state, check).to.equal('failed');
        expect(verdicts[check]?.error, verdicts[check]?.error).to.match(pattern);
      };
      failed(
        'zone-conflict',
        /expected pod gauntlet-zone-conflict-\S+\/stranded \(zone \S+, its claim's only volume in \S+\) to be reported unschedulable by the scheduler .* within \d+ s; after \d+\.\d s: no PodScheduled condition \(no scheduler verdict\)/,
      );
      failed(
        'wait-for-first-consumer',
        /expected claim gauntlet-wait-for-first-consumer-\S+\/data to be Bound once pod consumer uses it within \d+ s; after \d+\.\d s: data=Pending/,
      );
      failed(
        'replaced-pods',
        /expected ReplicaSet gauntlet-replaced-pods-\S+\/healer to have 3 Ready pods within \d+ s; after \d+\.\d s: 0 of 3 Ready/,
      );
    });
  });
});
