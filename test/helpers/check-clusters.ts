import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { gauntlet, isolatedStateDir } from './cli.ts';

interface Summary {
  tests: {
    suite: string;
    title: string;
    state: 'passed' | 'failed' | 'broken' | 'skipped';
    error?: string;
    reason?: string;
  }[];
}

/** The state of each check in a run, by check name (its [Tags] stripped). */
export type Verdicts = Record<string, { state: string; error?: string }>;

/**
 * Small embedded clusters (one node per zone) for tests that run conformance checks through the real CLI,
 * healthy or broken on purpose by a config snippet, in a state directory of their own.
 */
export class CheckClusters {
  private constructor(
    readonly stateDir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async create(): Promise<CheckClusters> {
    const state = await isolatedStateDir();
    return new CheckClusters(state, { GAUNTLET_STATE_DIR: state });
  }

  /** `config` is YAML under the apiVersion/kind header, e.g. "cluster:\n  local:\n    ...". */
  async up(name: string, config?: string): Promise<void> {
    const args = ['cluster', 'up', '--name', name, '--nodes-per-zone', '1'];
    if (config) {
      const file = join(this.stateDir, `${name}.yaml`);
      await writeFile(file, `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\n${config}`);
      args.push('--config', file);
    }
    const result = await gauntlet(args, this.env);
    expect(result.exitCode, result.stderr).to.equal(0);
  }

  async down(name: string): Promise<void> {
    await gauntlet(['cluster', 'down', '--name', name], this.env);
  }

  async runChecks(
    cluster: string,
    grep: string,
    timeoutMs = 180_000,
  ): Promise<{ exitCode: number; verdicts: Verdicts }> {
    const out = join(this.stateDir, `out-${cluster}`);
    const run = await gauntlet(
      ['run', '--cluster', cluster, '--suite', 'conformance', '--grep', grep, '--out', out],
      this.env,
      timeoutMs,
    );
    const [runDir] = await readdir(out);
    const summary = JSON.parse(await readFile(join(out, runDir!, 'summary.json'), 'utf8')) as Summary;
    const verdicts: Verdicts = {};
    for (const t of summary.tests) {
      const check = /^(?:\[\w+\] )+(\S+)$/.exec(t.suite)?.[1];
      if (check) verdicts[check] = { state: t.state, ...(t.error ? { error: t.error } : {}) };
    }
    return { exitCode: run.exitCode, verdicts };
  }
}

/** A config snippet that runs the controller manager with the given --controllers value. */
export const controllersConfig = (flag: string) =>
  `cluster:\n  local:\n    components:\n      kube-controller-manager:\n        extraArgs: ["--controllers=${flag}"]\n`;
