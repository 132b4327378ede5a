/**
 * Whether kube-controller-manager runs a default-on controller, read as it reads `--controllers` (the last one
 * given wins; `--controllers=a,b` or `--controllers a,b`): named, or `*` present and not `-name`. No flag: all.
 */
export function controllerEnabled(args: readonly string[], controller: string): boolean {
  let list: string[] | undefined;
  args.forEach((a, i) => {
    if (a.startsWith('--controllers=')) list = a.slice('--controllers='.length).split(',');
    else if (a === '--controllers' && args[i + 1] !== undefined) list = args[i + 1]!.split(',');
  });
  if (!list) return true;
  const names = list.map((c) => c.trim());
  if (names.includes(`-${controller}`)) return false;
  return names.includes(controller) || names.includes('*');
}
