import type { z } from 'zod';

/** Zod issues as lines that name the field path and what was expected: "  - cluster.local.zones: ...". */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(top level)';
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((key) => `  - ${path === '(top level)' ? key : `${path}.${key}`}: unknown field`)
          .join('\n');
      }
      return `  - ${path}: ${issue.message}`;
    })
    .join('\n');
}
