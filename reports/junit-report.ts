import { writeFile } from 'node:fs/promises';
import { XMLBuilder } from 'fast-xml-parser';
import type { SuiteOutcome, TestOutcome } from '../src/model/outcome.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(t: TestOutcome): Record<string, unknown> {
  const base = { '@_classname': t.suite, '@_name': t.title, '@_time': seconds(t.durationMs) };
  const message = t.hook ? `${t.hook}: ${t.error ?? ''}` : (t.error ?? '');
  switch (t.state) {
    case 'failed':
      // A verdict about the cluster: the message says it all, no stack.
      return {
        ...base,
        failure: { '@_message': message, '@_type': 'ClusterAssertionError', '#text': message },
      };
    case 'broken':
      return {
        ...base,
        error: { '@_message': message, '@_type': 'HarnessError', '#text': t.stack ?? message },
      };
    case 'skipped':
      return { ...base, skipped: { '@_message': t.reason ?? 'no reason given' } };
    default:
      return base;
  }
}

/** JUnit XML from the run's outcome: a cluster verdict is <failure>, a harness error <error>, a skip <skipped message>. */
export function junitXml(outcome: SuiteOutcome, o: { suiteName: string; startedAt: Date }): string {
  const time = seconds(outcome.tests.reduce((sum, t) => sum + t.durationMs, 0));
  const counts = {
    '@_tests': String(outcome.tests.length),
    '@_failures': String(outcome.failed),
    '@_errors': String(outcome.broken),
    '@_skipped': String(outcome.skipped),
    '@_time': time,
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    suppressEmptyNode: true,
    processEntities: true,
  });
  const body = builder.build({
    testsuites: {
      '@_name': o.suiteName,
      ...counts,
      testsuite: {
        '@_name': o.suiteName,
        '@_timestamp': o.startedAt.toISOString(),
        ...counts,
        testcase: outcome.tests.map(testcase),
        ...(outcome.warnings.length > 0
          ? { 'system-err': outcome.warnings.map((w) => `warning: ${w}`).join('\n') }
          : {}),
      },
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

export async function writeJUnit(
  file: string,
  outcome: SuiteOutcome,
  o: { suiteName: string; startedAt: Date },
): Promise<void> {
  await writeFile(file, junitXml(outcome, o));
}
