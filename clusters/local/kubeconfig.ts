import { writeFile } from 'node:fs/promises';

/**
 * Writes a kubeconfig that references the certificate files by path, so the file itself holds no key material.
 * Written as JSON (which is YAML): kubectl and every client read it, and no YAML library is loaded for it.
 */
export async function writeKubeconfig(
  file: string,
  o: { clusterName: string; server: string; caFile: string; certFile: string; keyFile: string; user: string },
): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.clusterName, cluster: { server: o.server, 'certificate-authority': o.caFile } }],
    users: [{ name: o.user, user: { 'client-certificate': o.certFile, 'client-key': o.keyFile } }],
    contexts: [{ name: o.clusterName, context: { cluster: o.clusterName, user: o.user } }],
    'current-context': o.clusterName,
  };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
