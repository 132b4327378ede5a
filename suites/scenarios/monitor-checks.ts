import type { Check } from '../../checks/check.ts';
import { conformanceChecks } from '../../checks/registry.ts';
import { scenarioMonitors } from '../chaos/scenario-monitors.ts';

/** The conformance checks a scenario file may name under monitors.checks (any of them); "default" is the usual three. */
export const monitorChecks: Record<string, Check> = Object.fromEntries(
  conformanceChecks.map((c) => [c.name, c]),
);

/** The checks behind monitors.checks, "default" expanded, each once. */
export function monitorsNamed(names: string[]): Check[] {
  const checks = names.flatMap((n) => (n === 'default' ? scenarioMonitors : [monitorChecks[n]!]));
  return [...new Set(checks)];
}

export const monitorNameList = () => ['default', ...Object.keys(monitorChecks)];
