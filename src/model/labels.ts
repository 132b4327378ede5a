/** The labels every object a run creates carries: what the janitor and the run Lease go by. */

/** Label on everything a run creates; the janitor deletes what carries it once its run is over. */
export const runLabel = 'gauntlet.dev/run';
/** Label naming the check that created an object. */
export const checkLabel = 'gauntlet.dev/check';
