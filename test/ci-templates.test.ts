import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { type Command, CommanderError } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../app/cli/program.ts';
import { gauntletInvocations } from './helpers/gauntlet-invocations.ts';

const ciDir = join(import.meta.dirname, '..', 'ci');

async function templates(): Promise<string[]> {
  const entries = await readdir(ciDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Shell scripts of a GitHub Actions workflow (steps' run) or a GitLab CI file (before_/after_/script). */
function scripts(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const jobs = (doc.jobs ?? doc) as Record<string, unknown>;
  for (const job of Object.values(jobs)) {
    if (!job || typeof job !== 'object') continue;
    const j = job as Record<string, unknown>;
    for (const step of (Array.isArray(j.steps) ? j.steps : []) as Record<string, unknown>[]) {
      if (typeof step.run === 'string') out.push(step.run);
    }
    for (const key of ['before_script', 'script', 'after_script']) {
      const value = j[key];
      if (typeof value === 'string') out.push(value);
      else if (Array.isArray(value)) out.push(...value.filter((v): v is string => typeof v === 'string'));
    }
  }
  return out;
}

class Parsed extends Error {}

/**
 * Parses argv with the real program, all the way to the action, which never runs: a preAction hook stops it.
 * Unknown commands, unknown options, missing option values and bad choices come back as commander's message.
 */
async function check(args: string[]): Promise<'ok' | string> {
  const program = buildProgram();
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  program.hook('preAction', () => {
    throw new Parsed();
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return 'the command did not reach an action (a command group without a subcommand?)';
  } catch (error) {
    if (error instanceof Parsed) return 'ok';
    if (error instanceof CommanderError) return error.message;
    throw error;
  }
}

describe('ci/ templates call only real gauntlet commands and options', () => {
  it('every template parses as YAML and calls gauntlet at least once', async () => {
    const files = await templates();
    expect(files.map((f) => relative(ciDir, f))).to.include.members([
      'github/nightly.yml',
      'github/provisioner-gate.yml',
      'gitlab/.gitlab-ci.yml',
    ]);
    for (const file of files) {
      const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const calls = scripts(doc).flatMap(gauntletInvocations);
      expect(calls, `gauntlet calls in ${relative(ciDir, file)}`).to.not.be.empty;
    }
  });

  it('each gauntlet invocation is accepted by the CLI program itself', async () => {
    const problems: string[] = [];
    for (const file of await templates()) {
      const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      for (const args of scripts(doc).flatMap(gauntletInvocations)) {
        const verdict = await check(args);
        const where = `${relative(ciDir, file)}: gauntlet ${args.join(' ')}`;
        if (verdict !== 'ok') problems.push(`${where}\n    ${verdict}`);
      }
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('the check rejects what the CLI does not have (so a template cannot drift silently)', async () => {
    expect(await check(['run', '--suite', 'smoke', '--kubeconfig', '$K'])).to.equal('ok');
    expect(await check(['load', 'api', '--cluster', 'x', '--set', 'a=1', '--set', 'b=2'])).to.equal('ok');
    expect(await check(['load', 'service', '--url', 'http://x', '--rate', '5'])).to.equal('ok');
    expect(await check(['load', 'api-slo'])).to.match(/unknown command 'api-slo'/);
    expect(await check(['run', '--no-such-flag'])).to.match(/unknown option '--no-such-flag'/);
    expect(await check(['frobnicate'])).to.match(/unknown command 'frobnicate'/);
    expect(await check(['cluster', 'explode'])).to.match(/unknown command 'explode'/);
    expect(await check(['run', '--out'])).to.match(/argument missing/);
    expect(await check(['run', '--provisioner', 'kops'])).to.match(/Allowed choices are local, existing/);
    expect(await check(['report', '--out', 'dir', '--history', 'h.jsonl'])).to.equal('ok');
    expect(await check(['report', '--since', 'yesterday'])).to.match(/unknown option '--since'/);
  });

  it('finds invocations through npx, node bin/gauntlet.js, continuations and redirections', () => {
    expect(
      gauntletInvocations(
        'set -e\nnpx --no-install gauntlet run --suite smoke \\\n  conformance --out "$OUT dir" 2> err.log && echo done\n' +
          'node bin/gauntlet.js tools install vegeta | tee x\nrun_dir=$(ls -td reports/ci/*/ | head -n 1)\n# gauntlet frobnicate\n' +
          'index=$(npx gauntlet report --out "reports/ci" --history h.jsonl)\necho \'$(gauntlet quoted)\'\n',
      ),
    ).to.deep.equal([
      ['run', '--suite', 'smoke', 'conformance', '--out', '$OUT dir'],
      ['tools', 'install', 'vegeta'],
      ['report', '--out', 'reports/ci', '--history', 'h.jsonl'],
    ]);
  });
});
