import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CLAIM_MS, claimPort, freePorts, freeTcpAndUdpPort, pickRange } from '../src/process/ports.ts';

const ports = join(import.meta.dirname, '..', 'src', 'process', 'ports.ts');

/** Ports handed out are claimed machine-wide, so parallel test files (separate processes) never share one. */
describe('ports: claimed machine-wide', () => {
  let dir: string;
  const saved = process.env.GAUNTLET_PORT_CLAIMS_DIR;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gauntlet-port-claims-test-'));
    process.env.GAUNTLET_PORT_CLAIMS_DIR = dir;
  });
  after(async () => {
    if (saved === undefined) delete process.env.GAUNTLET_PORT_CLAIMS_DIR;
    else process.env.GAUNTLET_PORT_CLAIMS_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  /** claimPort in another process, as a second mocha worker would call it. */
  const claimElsewhere = async (port: number) =>
    (
      await execa(
        process.execPath,
        [
          '--import',
          'tsx/esm',
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(ports)}); console.log(m.claimPort(${port}));`,
        ],
        { env: { GAUNTLET_PORT_CLAIMS_DIR: dir } },
      )
    ).stdout.trim();

  it('a port claimed by one process is refused to another, and to a second claim of its own', async () => {
    expect(claimPort(40_001)).to.equal(true);
    expect(await claimElsewhere(40_001)).to.equal('false');
    expect(claimPort(40_001)).to.equal(false);
    expect(await claimElsewhere(40_002)).to.equal('true');
    expect(claimPort(40_002)).to.equal(false);
  });

  it('a claim holds from the slot before to the slot after, and no longer', () => {
    const now = Date.now();
    expect(claimPort(40_011, now - CLAIM_MS)).to.equal(true);
    expect(claimPort(40_011, now), 'claimed in the slot before').to.equal(false);
    expect(claimPort(40_012, now + CLAIM_MS)).to.equal(true);
    expect(claimPort(40_012, now), 'claimed in the slot after (a claimant a moment ahead)').to.equal(false);
    expect(claimPort(40_013, now - 2 * CLAIM_MS)).to.equal(true);
    expect(claimPort(40_013, now), 'a claim two slots old has lapsed').to.equal(true);
  });

  it('freePorts and freeTcpAndUdpPort claim what they hand out, and drop lapsed claims', async () => {
    claimPort(40_021, Date.now() - 3 * CLAIM_MS);
    const picked = [...(await freePorts(5)), await freeTcpAndUdpPort()];
    expect(new Set(picked).size).to.equal(6);
    // Below the ephemeral range: no client's connect() can take one before its component binds it.
    const ephemeralFrom = Number(
      (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).split(/\s+/)[0],
    );
    for (const port of picked) expect(port, `port ${port}`).to.be.within(pickRange().from, ephemeralFrom - 1);
    for (const port of picked) expect(await claimElsewhere(port), `port ${port}`).to.equal('false');
    expect(
      (await readdir(dir)).some((f) => f.startsWith('40021.')),
      'a lapsed claim left',
    ).to.equal(false);
  });
});
