import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';

const root = join(import.meta.dirname, '..');

/**
 * The CLI compiled once (scripts/build.js -> dist/) and bin/gauntlet.js choosing it only while it matches the
 * sources. Against a clone of its own (bin/, scripts/build.js, a two-file app/, the real node_modules), so the
 * repository's dist/ is never touched while other tests run the CLI.
 */
describe('CLI build: compiled once, never run stale', () => {
  let clone: string;
  const run = async (...args: string[]) => {
    const r = await execa(process.execPath, [join(clone, 'bin', 'gauntlet.js'), ...args], { reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    return r.stdout.trim();
  };
  const build = () => execa(process.execPath, [join(clone, 'scripts', 'build.js')], { reject: false });
  // An explicit later mtime: an edit within the file system's timestamp granularity must still count.
  const touch = (path: string) => utimes(path, new Date(), new Date(Date.now() + 5_000));

  before(async () => {
    clone = await mkdtemp(join(tmpdir(), 'gauntlet-build-test-'));
    for (const dir of ['bin', 'scripts', 'app/cli']) await mkdir(join(clone, dir), { recursive: true });
    await copyFile(join(root, 'bin', 'gauntlet.js'), join(clone, 'bin', 'gauntlet.js'));
    await copyFile(join(root, 'scripts', 'build.js'), join(clone, 'scripts', 'build.js'));
    await copyFile(join(root, 'tsconfig.json'), join(clone, 'tsconfig.json'));
    await symlink(join(root, 'node_modules'), join(clone, 'node_modules'));
    await writeFile(join(clone, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(clone, 'tsconfig.build.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: {
          noEmit: false,
          noCheck: true,
          rewriteRelativeImportExtensions: true,
          rootDir: '.',
        },
        include: ['app'],
      }),
    );
    // Each entry says which file ran: the compiled .js or the .ts source; the helper proves imports are rewritten.
    await writeFile(
      join(clone, 'app', 'cli', 'which.ts'),
      'export const which = (u: string) => u.slice(-3);\n',
    );
    for (const entry of ['main', 'internal-main'])
      await writeFile(
        join(clone, 'app', 'cli', `${entry}.ts`),
        `import { which } from './which.ts';\nconsole.log('${entry}', which(import.meta.url));\n`,
      );
  });

  after(() => rm(clone, { recursive: true, force: true }));

  it('runs the sources through tsx while there is no build', async () => {
    expect(await run('--help')).to.equal('main .ts');
  });

  it('runs the build, for both entries, once it is made; tsx again when a source is newer', async () => {
    expect((await build()).exitCode).to.equal(0);
    expect(await run('--help')).to.equal('main .js');
    expect(await run('internal', 'supervise')).to.equal('internal-main .js');
    await touch(join(clone, 'app', 'cli', 'which.ts'));
    expect(await run('--help')).to.equal('main .ts');
    expect((await build()).exitCode).to.equal(0);
    expect(await run('--help')).to.equal('main .js');
  });

  it('runs the sources when a file was added or removed since the build, or GAUNTLET_FROM_SOURCES=1', async () => {
    expect((await build()).exitCode).to.equal(0);
    const r = await execa(process.execPath, [join(clone, 'bin', 'gauntlet.js')], {
      env: { GAUNTLET_FROM_SOURCES: '1' },
    });
    expect(r.stdout.trim()).to.equal('main .ts');
    await writeFile(join(clone, 'app', 'cli', 'added.ts'), 'export {};\n');
    await touch(join(clone, 'app', 'cli'));
    expect(await run()).to.equal('main .ts');
  });

  it('a failed build leaves the previous one in place, which then no longer matches and is not run', async () => {
    expect((await build()).exitCode).to.equal(0);
    await writeFile(
      join(clone, 'app', 'cli', 'which.ts'),
      'export const which = (u: string) => u.slice(-3);\n{\n',
    );
    await touch(join(clone, 'app', 'cli', 'which.ts'));
    const failed = await build();
    expect(failed.exitCode).to.equal(1);
    expect(failed.stderr).to.contain('dist/ is unchanged');
    expect((await readdir(join(clone, 'dist'))).sort()).to.deep.equal(['app', 'build-stamp.json']);
    const r = await execa(process.execPath, [join(clone, 'bin', 'gauntlet.js')], { reject: false });
    expect(r.exitCode, 'the broken source ran through tsx (and failed), not the old build').to.not.equal(0);
    expect(r.stdout).to.not.contain('main .js');
  });

  it('the real product compiles, and from dist/ finds the clone root and its compiled suites', async () => {
    const out = join(clone, 'product');
    const tsc = await execa(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(out, 'dist'),
      ],
      { cwd: root, reject: false },
    );
    expect(tsc.exitCode, tsc.stdout).to.equal(0);
    const probe = await execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(out, 'dist', 'src', 'repo-root.js'))});` +
          'console.log(JSON.stringify({ root: m.repoRoot, ext: m.moduleExtension }));',
      ],
      { reject: false },
    );
    expect(probe.exitCode, probe.stderr).to.equal(0);
    expect(JSON.parse(probe.stdout)).to.deep.equal({ root: out, ext: '.js' });
    // Every suite's spec files are compiled beside the module that lists them (app/jobs/suites.ts).
    const suites = await readdir(join(root, 'suites'), { withFileTypes: true });
    for (const suite of suites.filter((d) => d.isDirectory()).map((d) => d.name)) {
      const specs = (await readdir(join(root, 'suites', suite))).filter((f) => f.endsWith('.spec.ts'));
      const compiled = (await readdir(join(out, 'dist', 'suites', suite))).filter((f) =>
        f.endsWith('.spec.js'),
      );
      expect(compiled.map((f) => f.replace(/\.js$/, '.ts')).sort(), suite).to.deep.equal(specs.sort());
    }
  });

  it('no product module finds files from its own directory but the two that know the build (import.meta)', async () => {
    const product = ['app', 'suites', 'reports', 'checks', 'faults', 'clusters', 'src'];
    const users: string[] = [];
    for (const top of product) {
      for (const entry of await readdir(join(root, top), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const file = join(entry.parentPath, entry.name);
        if ((await readFile(file, 'utf8')).includes('import.meta.')) users.push(file.slice(root.length + 1));
      }
    }
    // From dist/ a module's own directory is dist/<floor>/...: what is not compiled is found from repoRoot.
    expect(users.sort()).to.deep.equal(['app/jobs/suites.ts', 'src/repo-root.ts']);
  });
});
