/** Every fault of the chaos suite, in the order the table lists them. */
import type { Fault } from '../lib/fault.js';
import { clockSkew } from './clock-skew.js';
import { killSwitch } from './kill-switch.js';
import { redisHung } from './redis-hung.js';
import { redisKill } from './redis-kill.js';
import { redisSlow } from './redis-slow.js';
import { revocations } from './revocations.js';

export const FAULTS: readonly Fault[] = [
  redisKill,
  redisSlow,
  redisHung,
  killSwitch,
  revocations,
  clockSkew,
];
