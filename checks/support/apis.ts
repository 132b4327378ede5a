import { BatchV1Api, StorageV1Api } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';

export interface CheckApis {
  storage: StorageV1Api;
  batch: BatchV1Api;
}

const made = new WeakMap<Kube, CheckApis>();

/** API groups only some checks need, made once per Kube (src/kube/client.ts keeps the common ones). */
export function checkApis(kube: Kube): CheckApis {
  let apis = made.get(kube);
  if (!apis) {
    apis = { storage: kube.config.makeApiClient(StorageV1Api), batch: kube.config.makeApiClient(BatchV1Api) };
    made.set(kube, apis);
  }
  return apis;
}
