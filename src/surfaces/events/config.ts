/**
 * The `events` section: how `POST /v1/events/filter` treats an event type the active policy's
 * event catalogue does not list. Defaults are the contract's (docs/config.md).
 */
import { z } from 'zod';

export const eventsConfigSchema = z
  .strictObject({
    // Fail closed: a new event type is delivered only once a reviewer has catalogued its scope.
    // true lets such types through to the policy, which treats them as org-scoped.
    allow_uncatalogued: z.boolean().default(false),
  })
  .prefault({});
