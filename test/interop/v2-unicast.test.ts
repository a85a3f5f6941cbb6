/** keepvip and keepalived 2.2.7 together: VRRPv2, IPv4, unicast_src_ip + unicast_peer. See scenario.ts. */
import { MODES } from '../helpers/vrrp-lab.js';
import { interopSuite, PAIRINGS } from './scenario.js';

interopSuite(MODES.v2uni, { tieBreak: PAIRINGS[2]! });
