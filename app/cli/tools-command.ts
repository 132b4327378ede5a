import { Command } from 'commander';
import { loadConfig } from '../../src/config/load.ts';
import { progress } from '../../src/log.ts';
import { listTools, resolveTools, TOOL_NAMES, type ToolName } from '../../src/tools/index.ts';

export function toolsCommand(): Command {
  const tools = new Command('tools').description(
    'the pinned binaries: etcd, Kubernetes control plane, kwok, CoreDNS, vegeta',
  );

  tools
    .command('list', { isDefault: true })
    .description(
      'show each binary, its version, where it comes from (path/cache/download/build) and its path',
    )
    .option('-c, --config <file>', 'config file (tools.paths, tools.mirror)')
    .action(async (flags: { config?: string }) => {
      const config = await loadConfig(flags.config);
      const rows = await listTools({ explicitPaths: config.tools.paths });
      const lines = rows.map(
        (r) =>
          `${r.name.padEnd(24)} ${r.version.padEnd(9)} ${(r.source ?? 'missing').padEnd(9)} ${r.path ?? '(not obtained yet: gauntlet tools install)'}`,
      );
      process.stdout.write(
        `${'NAME'.padEnd(24)} ${'VERSION'.padEnd(9)} ${'SOURCE'.padEnd(9)} PATH\n${lines.join('\n')}\n`,
      );
    });

  tools
    .command('install')
    .description('obtain every binary now (download or build from Go modules; cached, never rebuilt)')
    .argument('[names...]', `only these (${TOOL_NAMES.join(', ')})`)
    .option('-c, --config <file>', 'config file (tools.paths, tools.mirror, tools.download, tools.build)')
    .action(async (names: string[], flags: { config?: string }) => {
      const config = await loadConfig(flags.config);
      const unknown = names.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
      if (unknown.length > 0) {
        const { ConfigError } = await import('../../src/errors.ts');
        throw new ConfigError(
          `tools install: unknown binary ${unknown.join(', ')} (known: ${TOOL_NAMES.join(', ')})`,
        );
      }
      const wanted = (names.length > 0 ? names : [...TOOL_NAMES]) as ToolName[];
      const resolved = await resolveTools(wanted, {
        explicitPaths: config.tools.paths,
        mirror: config.tools.mirror,
        allowDownload: config.tools.download,
        allowBuild: config.tools.build,
        progress: progress(),
      });
      for (const tool of Object.values(resolved)) {
        process.stdout.write(
          `${tool.name.padEnd(24)} ${tool.version.padEnd(9)} ${tool.source.padEnd(9)} ${tool.path}\n`,
        );
      }
    });
  return tools;
}
