/** Every fault of the chaos suite, in the order the table lists them. */
import type { Fault } from '../lib/fault.js';
import { jwks } from './jwks.js';
import { memory } from './memory.js';
import { policyPush } from './policy-push.js';
import { redisCluster } from './redis-cluster.js';
import { redisKill } from './redis-kill.js';
import { shutdown } from './shutdown.js';

export const FAULTS: readonly Fault[] = [
  redisKill,
  redisCluster,
  jwks,
  policyPush,
  shutdown,
  memory,
];
