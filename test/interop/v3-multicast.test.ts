/** keepvip and keepalived 2.2.7 together: VRRPv3, IPv4, multicast (RFC 9568). See scenario.ts. */
import { MODES } from '../helpers/vrrp-lab.js';
import { interopSuite, PAIRINGS } from './scenario.js';

interopSuite(MODES.v3, { tieBreak: PAIRINGS[2]! });
