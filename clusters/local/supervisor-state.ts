import { z } from 'zod';
import { componentSpecSchema } from '../../src/model/local-cluster-spec.ts';

/** What the supervisor reports about one component, in supervisor.json and on GET /status. */
export const componentStateSchema = z.strictObject({
  id: z.string().min(1),
  kind: componentSpecSchema.shape.kind,
  pid: z.number().int().optional(),
  status: z.enum(['running', 'exited', 'stopped', 'restarting', 'waiting', 'paused']),
  restarts: z.number().int().min(0),
  startedAt: z.string().optional(),
  lastExit: z
    .strictObject({ code: z.number().int().nullable(), signal: z.string().nullable(), at: z.string() })
    .optional(),
});
export type ComponentState = z.output<typeof componentStateSchema>;

export const supervisorStateSchema = z.strictObject({
  pid: z.number().int(),
  controlPort: z.number().int().min(1).max(65535),
  components: z.array(componentStateSchema),
});
export type SupervisorState = z.output<typeof supervisorStateSchema>;

export const supervisorStateFile = 'supervisor.json';
