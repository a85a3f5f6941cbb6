/**
 * Why an advert was dropped. Every reason is a stable literal code and names the counter
 * it increments (docs/error-codes.md lists them). Validation tiers (ARCHITECTURE.md):
 * the shell checks TTL/hop limit and interface; the codec checks structure, length and
 * checksum; the instance checks VRID, interval, addresses and auth.
 */
export const DROP_REASONS = [
  'length', // shorter than the header, or not exactly header + addresses (+ auth) long
  'ttl', // multicast TTL / hop limit not 255, or unicast TTL outside min_ttl..max_ttl
  'version', // version nibble not 2 or 3, or not the version the instance runs
  'type', // type nibble not 1 (ADVERTISEMENT)
  'vrid', // VRID 0, or no instance with this VRID on this interface and family
  'auth_type', // v2 auth type differs from ours
  'auth_ah', // v2 auth type 2 (IP Authentication Header): not supported, rejected
  'auth_mismatch', // v2 PASS password differs from ours
  'interval_mismatch', // v2 advert interval differs from ours
  'address_count', // count of addresses differs from our VIP count (or is 0 / too large)
  'checksum', // no accepted checksum form matches
  'address_mismatch', // an address we protect is missing from the advert
  'family', // IPv4 list in an IPv6 packet or the reverse
  'unicast_src', // check_unicast_src: source not in unicast_peer
  'cast_mismatch', // multicast advert to a unicast instance, or the reverse
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export interface DecodeError {
  ok: false;
  reason: DropReason;
  /** Human detail for logs (never contains the password). */
  detail: string;
}
