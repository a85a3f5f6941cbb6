/** keepvip and keepalived 2.2.7 together: VRRPv3, IPv6, multicast (RFC 9568). See scenario.ts. */
import { MODES } from '../helpers/vrrp-lab.js';
import { interopSuite, PAIRINGS } from './scenario.js';

interopSuite(MODES.v3v6, { tieBreak: PAIRINGS[1]! });
