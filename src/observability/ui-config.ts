/**
 * The `ui` section: the decision explorer page (`GET /ui/`, docs/explorer.md) and the ring of
 * recent decisions it lists. Defaults are listed in docs/config.md.
 */
import { z } from 'zod';
import { integer } from '../contract/config-fields.js';

export const uiConfigSchema = z
  .strictObject({
    /** Serve `/ui/` (to admin credentials of role auditor or better); false: no routes, no ring. */
    enabled: z.boolean().default(true),
    /** How many recent decisions the ring keeps in memory (the oldest is overwritten). */
    recent_decisions: integer(1, 100000).default(1000),
  })
  .prefault({});
