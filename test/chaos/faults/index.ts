/** Every fault of the chaos suite, in the order the table lists them. */
import type { Fault } from '../lib/fault.js';
import { clockSkew } from './clock-skew.js';
import { killSwitch } from './kill-switch.js';
import { redisKill } from './redis-kill.js';
import { revocations } from './revocations.js';

export const FAULTS: readonly Fault[] = [redisKill, killSwitch, revocations, clockSkew];
