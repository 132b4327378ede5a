import { expect } from 'chai';
import { validateConfig } from '../../src/config/load.ts';

const header = { apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' };
const refusal = (raw: unknown) => {
  try {
    validateConfig(raw, 'c.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('config: aws and safety sections', () => {
  it('are optional: no aws section, and a safety section that allows nothing', () => {
    const config = validateConfig(header, 'c.yaml');
    expect(config.aws).to.equal(undefined);
    expect(config.safety).to.deep.equal({
      allowedContexts: [],
      marker: { namespace: 'kube-system', name: 'gauntlet-allow-destructive' },
    });
  });

  it('accept a complete aws section', () => {
    const aws = {
      region: 'eu-west-1',
      accountId: '123456789012',
      clusterName: 'staging.example.com',
      provisioner: 'kops',
    };
    expect(validateConfig({ ...header, aws }, 'c.yaml').aws).to.deep.equal(aws);
  });

  it('name the field path of each bad or unknown field', () => {
    const message = refusal({
      ...header,
      aws: { region: 'Frankfurt', accountId: '1234', clusterName: '', provisioner: 'gke', secretKey: 'x' },
      safety: { allowedContexts: [''] },
    });
    expect(message).to.contain('aws.region: expected an AWS region such as us-east-1');
    expect(message).to.contain('aws.accountId: expected a 12-digit AWS account id');
    expect(message).to.match(/aws\.clusterName: /);
    expect(message).to.match(/aws\.provisioner: /);
    expect(message).to.contain('aws.secretKey: unknown field');
    expect(message).to.match(/safety\.allowedContexts\[0\]: /);
  });

  it('require region, account id and cluster name together', () => {
    const message = refusal({ ...header, aws: { region: 'us-east-1' } });
    expect(message).to.match(/aws\.accountId: /);
    expect(message).to.match(/aws\.clusterName: /);
  });
});
