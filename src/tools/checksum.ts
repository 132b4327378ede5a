import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Finds the expected sha256 of `fileName` in a checksum file. Accepts the layouts releases use:
 * a bare digest (dl.k8s.io `<file>.sha256`) and `sha256sum` lines `<digest>  [*]<name>` (SHA256SUMS).
 */
export function expectedSha256(checksumText: string, fileName: string): string | undefined {
  const lines = checksumText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const line of lines) {
    const [digest, name] = line.split(/\s+/);
    if (!digest || !/^[0-9a-fA-F]{64}$/.test(digest)) continue;
    if (name === undefined && lines.length === 1) return digest.toLowerCase();
    if (name !== undefined && name.replace(/^\*/, '').split('/').pop() === fileName)
      return digest.toLowerCase();
  }
  return undefined;
}
