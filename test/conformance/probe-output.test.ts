import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  aAddresses,
  parseDig,
  parseEnv,
  serviceEnvPrefix,
  srvRecords,
} from '../../checks/service-discovery/dig-output.ts';

const fixture = (name: string) => readFile(join(import.meta.dirname, '..', 'fixtures', 'dig', name), 'utf8');

/** The probe pod path of real clusters: what dig and env print there, read as the DNS and env checks need it. */
describe('probe pod output (pure logic of the probe-pod path for existing clusters)', () => {
  it('reads the status and A records of a NOERROR answer', async () => {
    const result = parseDig(await fixture('a-noerror.txt'), 'A');
    expect(result.status).to.equal('NOERROR');
    expect(aAddresses(result)).to.deep.equal(['10.96.0.1']);
  });

  it('reads SRV records as target and port, without the trailing dot', async () => {
    const result = parseDig(await fixture('srv-noerror.txt'), 'SRV');
    expect(srvRecords(result)).to.deep.equal([{ name: 'kubernetes.default.svc.cluster.local', port: 443 }]);
  });

  it('tells NXDOMAIN from no response at all', async () => {
    expect(parseDig(await fixture('a-nxdomain.txt'), 'A')).to.deep.equal({ status: 'NXDOMAIN', answers: [] });
    expect(parseDig(await fixture('a-unreachable.txt'), 'A').status).to.equal('TIMEOUT');
    expect(parseDig('', 'A').status).to.equal('NO_RESPONSE');
  });

  it('ignores records of another type (a CNAME before the A records)', () => {
    const output = [
      ';; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1',
      'alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.',
      'web.default.svc.cluster.local. 5 IN A 10.96.3.4',
    ].join('\n');
    expect(aAddresses(parseDig(output, 'A'))).to.deep.equal(['10.96.3.4']);
  });

  it('names service variables as kubelet does and reads env output with = in values', () => {
    expect(serviceEnvPrefix('env-target')).to.equal('ENV_TARGET');
    const env = parseEnv('ENV_TARGET_SERVICE_HOST=10.96.0.10\nOPTS=a=b\n\nPATH=/bin');
    expect(env.get('ENV_TARGET_SERVICE_HOST')).to.equal('10.96.0.10');
    expect(env.get('OPTS')).to.equal('a=b');
  });
});
