import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { expect } from 'chai';
import {
  endpointSliceMismatch,
  expectedEndpoints,
} from '../../checks/service-discovery/endpoint-expectation.ts';

const svc: V1Service = {
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9100, targetPort: 'metrics' },
    ],
  },
};

function podOf(
  name: string,
  ip: string,
  o: { ready?: boolean; deleting?: boolean; metrics?: boolean } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      labels: { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      containers: [
        {
          name: 'app',
          ports: [
            { name: 'http', containerPort: 8080 },
            ...(o.metrics ? [{ name: 'metrics', containerPort: 9100 }] : []),
          ],
        },
      ],
    },
    status: {
      podIP: ip,
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function sliceOf(
  endpoints: { pod: string; ip: string; ready: boolean; serving: boolean; terminating: boolean }[],
): V1EndpointSlice {
  return {
    metadata: { name: 'web-abc', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      targetRef: { kind: 'Pod', name: e.pod, namespace: 'ns' },
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
    })),
  };
}

describe('EndpointSlice expectations (pure logic of the endpoint-slices check)', () => {
  it('resolves named target ports per pod and leaves out a name the pod does not declare', () => {
    const [a, b] = expectedEndpoints(svc, [
      podOf('a', '10.0.0.1', { metrics: true }),
      podOf('b', '10.0.0.2'),
    ]);
    expect(a!.ports).to.deep.equal(['http/TCP/8080', 'metrics/TCP/9100']);
    expect(b!.ports).to.deep.equal(['http/TCP/8080']);
  });

  it('expects a terminating pod as ready=false, serving=<its readiness>, terminating=true', () => {
    const [e] = expectedEndpoints(svc, [podOf('a', '10.0.0.1', { deleting: true })]);
    expect(e).to.include({ ready: false, serving: true, terminating: true });
  });

  it('agrees when the slice lists exactly the selected pods with their conditions', () => {
    const pods = [podOf('a', '10.0.0.1'), podOf('b', '10.0.0.2', { ready: false })];
    const slice = sliceOf([
      { pod: 'a', ip: '10.0.0.1', ready: true, serving: true, terminating: false },
      { pod: 'b', ip: '10.0.0.2', ready: false, serving: false, terminating: false },
    ]);
    expect(endpointSliceMismatch('ns', 'web', svc, pods, [slice])).to.equal(undefined);
  });

  it('names the Service, the pod and the expectation when a pod is missing or a condition is stale', () => {
    const pods = [podOf('a', '10.0.0.1', { ready: false }), podOf('b', '10.0.0.2')];
    const slice = sliceOf([{ pod: 'a', ip: '10.0.0.1', ready: true, serving: true, terminating: false }]);
    const problem = endpointSliceMismatch('ns', 'web', svc, pods, [slice]);
    expect(problem).to.contain(
      'EndpointSlices of Service ns/web: pod a (10.0.0.1, not Ready) has ready=true, serving=true, expected ready=false, serving=false',
    );
    expect(problem).to.contain('pod b (10.0.0.2, Ready) is not listed');
    expect(problem).to.contain('expected exactly the 2 pods its selector picks (1 ready) in 1 slices seen');
  });
});
