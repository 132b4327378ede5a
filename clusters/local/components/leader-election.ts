/** Leader election flags shared by the controller manager and the scheduler, with the config's lease. */
export function leaderElectionArgs(leaseSeconds: number): string[] {
  return [
    '--leader-elect=true',
    `--leader-elect-lease-duration=${leaseSeconds}s`,
    `--leader-elect-renew-deadline=${Math.max(1, Math.floor((leaseSeconds * 2) / 3))}s`,
    // 1 s instead of 2 s: the first try always fails (RBAC not bootstrapped yet) and the retry gates `up`.
    '--leader-elect-retry-period=1s',
  ];
}
