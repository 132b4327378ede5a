/**
 * The `gauntlet ...` invocations in a shell script, as argument lists: `gauntlet`, `npx gauntlet`,
 * `npx --no-install gauntlet` and `node bin/gauntlet.js`, one per command of the script. Enough shell for
 * pipeline templates: line continuations, quotes, `&&` `||` `;` `|` separators, redirections ending the
 * arguments, `$(...)` kept as one word, and the calls inside it found too. Not a shell: anything cleverer should not be in a template.
 */
export function gauntletInvocations(script: string): string[][] {
  const found: string[][] = [];
  for (const command of splitCommands(script.replace(/\\\n/g, ' '))) {
    const words = shellWords(command);
    const at = startOfArgs(words);
    if (at !== undefined) {
      const args: string[] = [];
      for (const word of words.slice(at)) {
        if (/^\d?[<>]/.test(word)) break; // a redirection: 2> file, > out
        args.push(word);
      }
      found.push(args);
    }
    // A call inside a substitution (index=$(gauntlet report ...)) runs too, so it is checked too.
    for (const inner of substitutions(command)) found.push(...gauntletInvocations(inner));
  }
  return found;
}

/** The bodies of the outermost `$(...)` substitutions of a command, outside single quotes. */
function substitutions(command: string): string[] {
  const bodies: string[] = [];
  let single = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") single = !single;
    if (single || c !== '$' || command[i + 1] !== '(') continue;
    let depth = 1;
    let j = i + 2;
    for (; j < command.length && depth > 0; j++) {
      if (command[j] === '(') depth++;
      else if (command[j] === ')') depth--;
    }
    bodies.push(command.slice(i + 2, j - 1));
    i = j - 1;
  }
  return bodies;
}

function startOfArgs(words: string[]): number | undefined {
  let i = 0;
  while (i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!)) i++; // VAR=value prefixes
  if (words[i] === 'npx') {
    i++;
    while (words[i]?.startsWith('-')) i++;
  } else if (words[i] === 'node' && words[i + 1]?.endsWith('bin/gauntlet.js')) return i + 2;
  return words[i] === 'gauntlet' ? i + 1 : undefined;
}

function splitCommands(script: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' && script[i - 1] === '$') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && (c === '\n' || c === ';' || c === '|' || (c === '&' && script[i + 1] === '&'))) {
      commands.push(current);
      current = '';
      if ((c === '|' || c === '&') && script[i + 1] === c) i++;
      continue;
    }
    current += c;
  }
  commands.push(current);
  return commands.map((c) => c.trim()).filter((c) => c !== '' && !c.startsWith('#'));
}

function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (depth === 0 && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      if (c === '(' && command[i - 1] === '$') depth++;
      else if (c === ')' && depth > 0) depth--;
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
