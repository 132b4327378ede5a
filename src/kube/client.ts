import { AppsV1Api, CoreV1Api, type KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { ReadableKubeConfig } from './readable-api-errors.ts';

/** The API clients a cluster is driven through, all from one kubeconfig and context. */
export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  version: VersionApi;
  watch: Watch;
}

export function kubeFromFile(kubeconfigPath: string, context?: string): Kube {
  const config = new ReadableKubeConfig();
  config.loadFromFile(kubeconfigPath);
  if (context) config.setCurrentContext(context);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    version: config.makeApiClient(VersionApi),
    watch: new Watch(config),
  };
}
