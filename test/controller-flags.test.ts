import { expect } from 'chai';
import { controllerEnabled } from '../clusters/local/controller-flags.ts';

/** `cluster up` awaits the probe Deployment only when the controllers it needs run: read like the manager reads it. */
describe('kube-controller-manager --controllers, as the manager reads it', () => {
  const cases: [string[], boolean][] = [
    [[], true],
    [['--controllers=*'], true],
    [['--controllers=*,-deployment-controller'], false],
    [['--controllers', '*,-deployment-controller'], false],
    [['--controllers=replicaset-controller,namespace-controller'], false],
    [['--controllers=deployment-controller'], true],
    [['--controllers=*,-deployment-controller', '--controllers=*'], true],
    [['--v=2', '--controllers= * , -endpoint-controller'], true],
  ];
  for (const [args, enabled] of cases)
    it(`${JSON.stringify(args)}: deployment-controller ${enabled ? 'runs' : 'does not run'}`, () => {
      expect(controllerEnabled(args, 'deployment-controller')).to.equal(enabled);
    });
});
