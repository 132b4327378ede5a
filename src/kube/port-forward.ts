import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import type { Kube } from './client.ts';

export interface LocalForward {
  /** The loopback port that reaches the pod's port. */
  port: number;
  close(): Promise<void>;
}

/**
 * `kubectl port-forward` in-process: a listener on 127.0.0.1 whose every connection is carried to the pod's
 * port through the API server and kubelet (one port-forward stream per connection).
 */
export async function forwardLocalPort(
  kube: Kube,
  namespace: string,
  pod: string,
  podPort: number,
): Promise<LocalForward> {
  const { PortForward } = await import('@kubernetes/client-node');
  const forward = new PortForward(kube.config);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    forward
      .portForward(namespace, pod, [podPort], socket, null, socket)
      .then((ws) => {
        const stream = typeof ws === 'function' ? ws() : ws;
        // Either end closing closes the other: the client sees a broken forward as a failed request.
        stream?.on('close', () => socket.destroy());
        socket.on('close', () => stream?.close());
      })
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
