import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';
import { InfrastructureError } from '../errors.ts';

/**
 * A state file the harness wrote and reads back (cluster.json, supervisor.json, fault-cluster.json), checked
 * against its schema: a damaged or foreign file is an error naming the file and the field, never a cast.
 */
export function parseStateFile<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InfrastructureError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new InfrastructureError(
      `${file}: not what the harness writes\n${formatIssues(result.error.issues)}`,
    );
  }
  return result.data;
}

/** Reads and checks a state file; undefined when it does not exist (yet). */
export async function readStateFile<S extends z.ZodType>(
  schema: S,
  file: string,
): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InfrastructureError(`${file}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  return parseStateFile(schema, text, file);
}
