/** Release artifacts are named with Go's GOOS/GOARCH words, not Node's. */
export function goArch(arch: string = process.arch): string | undefined {
  if (arch === 'x64') return 'amd64';
  if (arch === 'arm64') return 'arm64';
  return undefined;
}

export function goOs(platform: string = process.platform): string | undefined {
  // Only Linux artifacts exist for the server binaries; elsewhere we build from source.
  return platform === 'linux' ? 'linux' : undefined;
}
