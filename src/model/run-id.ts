/** A run's id: sortable by time, unique enough for one machine, and usable in Kubernetes names (lowercase). */
export function newRunId(prefix = ''): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}${stamp}-${Math.random().toString(36).slice(2, 6)}`.toLowerCase();
}
