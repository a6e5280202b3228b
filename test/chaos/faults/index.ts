/** Every fault of the chaos suite, in the order the table lists them. */
import type { Fault } from '../lib/fault.js';
import { clockSkew } from './clock-skew.js';
import { jwks } from './jwks.js';
import { killSwitch } from './kill-switch.js';
import { memory } from './memory.js';
import { policyPush } from './policy-push.js';
import { redisCluster } from './redis-cluster.js';
import { redisHung } from './redis-hung.js';
import { redisKill } from './redis-kill.js';
import { redisSlow } from './redis-slow.js';
import { revocations } from './revocations.js';
import { shutdown } from './shutdown.js';

export const FAULTS: readonly Fault[] = [
  redisKill,
  redisSlow,
  redisHung,
  redisCluster,
  jwks,
  policyPush,
  killSwitch,
  revocations,
  shutdown,
  clockSkew,
  memory,
];
