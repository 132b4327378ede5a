import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { parseLocalSpec } from './cluster-state.ts';

/** Resolves with the cluster spec once its file exists (it is written by rename, so it is whole). */
export async function waitForSpec(file: string, timeoutMs: number): Promise<LocalClusterSpec> {
  const read = async () => parseLocalSpec(await readFile(file, 'utf8'), file);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (spec?: LocalClusterSpec, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      watcher.close();
      if (spec) resolve(spec);
      else reject(error);
    };
    // Not there yet: keep waiting. There but not a spec (it is written whole, by rename): give up at once, naming why.
    const tryRead = () =>
      read().then(settle, (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') settle(undefined, error);
      });
    // Watch first (the watcher exists once watch() returns), then read: a file written in between is seen by one of them.
    const watcher = watch(dirname(file), (_event, name) => {
      if (name === basename(file)) void tryRead();
    });
    const timer = setTimeout(
      () => settle(undefined, new Error(`${file} did not appear within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    void tryRead();
  });
}
