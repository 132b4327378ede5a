/**
 * What `dig +noall +comments +answer <type> <name>` printed, as the probe pod's lookups return it: the response
 * status from the header comment (NOERROR, NXDOMAIN, SERVFAIL, ...) and the answer records, or the reason there
 * was no response at all (";; connection timed out; no servers could be reached").
 */
export interface DigResult {
  status: string;
  /** Answer records of the asked type: rdata fields after "<name> <ttl> IN <type>". */
  answers: string[][];
}

export function parseDig(output: string, type: 'A' | 'SRV'): DigResult {
  const noResponse =
    /;; (connection timed out[^\n]*|communications error[^\n]*|no servers could be reached)/.exec(output);
  const status = /->>HEADER<<-.*status: ([A-Z]+)/.exec(output)?.[1];
  if (!status) return { status: noResponse ? 'TIMEOUT' : 'NO_RESPONSE', answers: [] };
  const answers = output
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith(';'))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[2] === 'IN' && fields[3] === type)
    .map((fields) => fields.slice(4));
  return { status, answers };
}

/** A answers as addresses; SRV answers as { name, port } as node's resolveSrv gives them (no trailing dot). */
export const aAddresses = (r: DigResult) => r.answers.map(([address]) => address!);
export const srvRecords = (r: DigResult) =>
  r.answers.map(([, , port, target]) => ({ name: target!.replace(/\.$/, ''), port: Number(port) }));

/**
 * `<SVC>_SERVICE_HOST` and `_PORT` as a pod's environment names them: the Service name upper-cased, dashes as
 * underscores (kubelet's makeEnvVariableName).
 */
export const serviceEnvPrefix = (service: string) => service.toUpperCase().replace(/-/g, '_');

/** `env` output (NAME=value per line) as a map; values may contain "=". */
export function parseEnv(output: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}
