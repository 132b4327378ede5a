import type { V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';

/** The image every fixture pod names; kwok never pulls it, real clusters pull a few hundred KB. */
export const pauseImage = 'registry.k8s.io/pause:3.10';

/** A minimal pod template for fixtures: one pause container, tiny requests, no grace period. */
export function podTemplate(
  labels: Record<string, string>,
  extra: {
    annotations?: Record<string, string>;
    nodeSelector?: Record<string, string>;
    tolerations?: V1Toleration[];
    env?: string;
    restartPolicy?: 'Always' | 'Never' | 'OnFailure';
  } = {},
): V1PodTemplateSpec {
  return {
    metadata: { labels, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      // Fixture pods hold nothing: let them go at once when deleted or rolled.
      terminationGracePeriodSeconds: 0,
      ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
      ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
      ...(extra.tolerations ? { tolerations: extra.tolerations } : {}),
      containers: [
        {
          name: 'app',
          image: pauseImage,
          ...(extra.env ? { env: [{ name: 'GAUNTLET_REVISION', value: extra.env }] } : {}),
          resources: { requests: { cpu: '1m', memory: '1Mi' } },
        },
      ],
    },
  };
}

/** A node selector no node carries: the pods stay Pending, which stalls a rollout on any cluster. */
export const unschedulable = { 'gauntlet.dev/no-such-node': 'true' };
