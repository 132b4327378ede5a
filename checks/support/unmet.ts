import type { CheckResult } from '../check.ts';

/** An expectation the cluster did not meet: the message names the object, the expectation and the time waited. */
export class Unmet extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unmet';
  }
}

/**
 * Runs an assess body: a returned string is the passing detail, an Unmet becomes a failed result with its
 * message. Anything else (API errors, bugs) propagates so it is never mistaken for a verdict on the cluster.
 */
export async function judge(body: () => Promise<string | undefined>): Promise<CheckResult> {
  try {
    const detail = await body();
    return detail ? { status: 'passed', detail } : { status: 'passed' };
  } catch (error) {
    if (error instanceof Unmet) return { status: 'failed', message: error.message };
    throw error;
  }
}
