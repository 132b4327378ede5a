/**
 * Allure's categories (categories.json in allure-results): a broken cluster and a broken harness land apart.
 * Failed = a verdict about the cluster (ClusterAssertionError, a spec's assertion); broken = the harness, or its
 * access to the cluster, failed.
 */
export const allureCategories = [
  {
    name: 'Cluster behaviour',
    description: 'The cluster did not do what was expected of it (a check, a scenario expectation, an SLO).',
    matchedStatuses: ['failed'],
  },
  {
    name: 'Harness errors',
    description: 'The harness, or its access to the cluster, failed: not a verdict about the cluster.',
    matchedStatuses: ['broken'],
  },
  {
    name: 'Skipped',
    description: 'Not run; the reason is in the status message.',
    matchedStatuses: ['skipped'],
  },
];
