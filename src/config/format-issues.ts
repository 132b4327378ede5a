import type { z } from 'zod';

/**
 * A field path as a reader can find it in the file: `cluster.local.zones[1]`, with keys that are not plain
 * names quoted (`labels["team name"]`, `[""]`), so an empty or odd key still reads as a place, not as nothing.
 */
export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][\w-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(top level)';
}

/** One zod issue as "<field path>: <what was expected>"; an unknown field names itself. */
export function issueLines(issue: z.core.$ZodIssue, root = ''): string[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => `${fieldPath([...issue.path, key], root)}: unknown field`);
  return [`${fieldPath(issue.path, root)}: ${issue.message}`];
}

/** Zod issues as lines that name the field path and what was expected: "  - cluster.local.zones: ...". */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.flatMap((issue) => issueLines(issue).map((line) => `  - ${line}`)).join('\n');
}
