/**
 * Real binaries, pinned and cached. Resolution order for each tool:
 *  1. an explicit path (GAUNTLET_BIN_<NAME> env, then config): must be an executable file, else an error;
 *  2. the cache: <cacheDir>/bin/<name>/<version>/<name> + meta.json;
 *  3. the official release artifact (or GAUNTLET_TOOLS_MIRROR, same paths), sha256-verified, then cached;
 *     unreachable -> fall through; checksum mismatch -> error, nothing cached;
 *  4. a build from the Go modules with the machine's `go`, a whole group at a time, then cached.
 * Downloads and builds of a group hold a lock file so concurrent resolvers do the work once.
 */
export {
  GROUP_VERSIONS,
  type GroupName,
  isToolName,
  REAL_NODE_TOOLS,
  TOOL_NAMES,
  type ToolName,
  toolVersion,
} from './catalog.ts';
export { binEnvVar } from './explicit.ts';
export {
  type ListedTool,
  listTools,
  type ResolvedTool,
  type ResolveOptions,
  resolveTool,
  resolveTools,
  type ToolSource,
} from './resolve.ts';
