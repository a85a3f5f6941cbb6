/** keepvip and keepalived 2.2.7 together: VRRPv2, IPv4, multicast (RFC 3768). See scenario.ts. */
import { MODES } from '../helpers/vrrp-lab.js';
import { interopSuite, PAIRINGS } from './scenario.js';

interopSuite(MODES.v2, { tieBreak: PAIRINGS[1]! });
