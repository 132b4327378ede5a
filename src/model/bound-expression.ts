/**
 * Bounds in scenario files: a duration ("90s", "2m", "500ms"), a number of seconds, or a small expression over
 * the cluster's timings ("grace + monitorPeriod + 5s", "(nodesPerZone - 1) * 10s"). Everything is in seconds.
 * Parsed by hand (a tokenizer and a recursive-descent parser over + - * / and parentheses): no eval, no
 * function calls, no member access, so a scenario file can only compute a number.
 */

/** The names an expression may use, and what each means; values come from the cluster (boundValues). */
export const boundNames = {
  grace: 'node monitor grace period: how long a silent node stays Ready before it is marked Unknown',
  monitorPeriod: 'node monitor period: how often the node lifecycle controller looks',
  nodeLease: "node lease duration: how long a kubelet's Lease is valid",
  notReadyToleration: 'default toleration of the not-ready NoExecute taint',
  unreachableToleration: 'default toleration of the unreachable NoExecute taint',
  leaderElectionLease: 'leader-election lease duration of the controller manager and scheduler',
  runtimeRequestTimeout: "real nodes' kubelet runtimeRequestTimeout",
  nodesPerZone: 'nodes per zone (a count)',
  zones: 'number of zones (a count)',
} as const;
export type BoundName = keyof typeof boundNames;
export type BoundValues = Partial<Record<BoundName, number>>;

/** A bound the file got wrong: names the problem; the caller adds the field path. */
export class BoundError extends Error {}

type Token =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'name'; name: string }
  | { kind: 'op'; op: '+' | '-' | '*' | '/' | '(' | ')' };

const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)(ms|s|m|h)?|([A-Za-z_]\w*)|([-+*/()]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) throw new BoundError(`unexpected "${text.slice(at).trim()[0]}" at character ${at + 1}`);
    at = pattern.lastIndex;
    if (m[1] !== undefined)
      tokens.push({
        kind: 'number',
        value: Number(m[1]) * (unitSeconds[m[2] ?? 's'] ?? 1),
        text: m[0].trim(),
      });
    else if (m[3] !== undefined) tokens.push({ kind: 'name', name: m[3] });
    else tokens.push({ kind: 'op', op: m[4] as '+' });
  }
  return tokens;
}

/** The expression as a tree; evaluating it needs the values, checking it only the names. */
type Node =
  | { kind: 'number'; value: number }
  | { kind: 'name'; name: string }
  | { kind: 'neg'; of: Node }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Node; right: Node };

function parse(text: string): Node {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new BoundError('empty expression');
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (t: Token | undefined, ...ops: string[]) => t?.kind === 'op' && ops.includes(t.op);
  const primary = (): Node => {
    const t = tokens[i++];
    if (!t) throw new BoundError('the expression ends where a value was expected');
    if (t.kind === 'number') return { kind: 'number', value: t.value };
    if (t.kind === 'name') return { kind: 'name', name: t.name };
    if (t.op === '-') return { kind: 'neg', of: primary() };
    if (t.op === '(') {
      const inner = sum();
      if (!isOp(tokens[i++], ')')) throw new BoundError('missing ")"');
      return inner;
    }
    throw new BoundError(`unexpected "${t.op}" where a value was expected`);
  };
  const product = (): Node => {
    let left = primary();
    while (isOp(peek(), '*', '/')) {
      const op = (tokens[i++] as { op: '*' | '/' }).op;
      left = { kind: 'bin', op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (isOp(peek(), '+', '-')) {
      const op = (tokens[i++] as { op: '+' | '-' }).op;
      left = { kind: 'bin', op, left, right: product() };
    }
    return left;
  };
  const tree = sum();
  const rest = tokens[i];
  if (rest)
    throw new BoundError(
      `unexpected ${rest.kind === 'op' ? `"${rest.op}"` : rest.kind === 'name' ? `"${rest.name}"` : `"${rest.text}"`} after a complete expression`,
    );
  return tree;
}

function namesIn(node: Node): string[] {
  if (node.kind === 'name') return [node.name];
  if (node.kind === 'neg') return namesIn(node.of);
  if (node.kind === 'bin') return [...namesIn(node.left), ...namesIn(node.right)];
  return [];
}

const known = Object.keys(boundNames);

/** Throws a BoundError for a bound that does not parse or names something unknown; changes nothing. */
export function checkBound(bound: number | string): void {
  if (typeof bound === 'number') return;
  const unknown = namesIn(parse(bound)).filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new BoundError(`unknown name "${unknown[0]}" in "${bound}" (known: ${known.join(', ')})`);
}

/** The bound in seconds on this cluster; a name the cluster has no value for is a BoundError naming it. */
export function evaluateBound(bound: number | string, values: BoundValues): number {
  if (typeof bound === 'number') return bound;
  const walk = (node: Node): number => {
    switch (node.kind) {
      case 'number':
        return node.value;
      case 'name': {
        const value = (values as Record<string, number | undefined>)[node.name];
        if (value === undefined)
          throw new BoundError(
            known.includes(node.name)
              ? `"${node.name}" is not known for this cluster`
              : `unknown name "${node.name}" in "${bound}"`,
          );
        return value;
      }
      case 'neg':
        return -walk(node.of);
      case 'bin': {
        const l = walk(node.left);
        const r = walk(node.right);
        if (node.op === '/' && r === 0) throw new BoundError(`division by zero in "${bound}"`);
        return node.op === '+' ? l + r : node.op === '-' ? l - r : node.op === '*' ? l * r : l / r;
      }
    }
  };
  const seconds = walk(parse(bound));
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new BoundError(`"${bound}" is ${seconds} s on this cluster; a bound must be 0 s or more`);
  return seconds;
}
