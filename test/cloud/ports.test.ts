import { describe, expect, it } from 'vitest';
import { canonicalPair, hasPair, pairAddresses, pairsWithout, sameSet } from '../../src/cloud/ports.js';

describe('allowed_address_pairs helpers', () => {
  it('canonicalises addresses and host prefixes, keeps real CIDRs', () => {
    expect(canonicalPair('192.0.2.11/32')).toBe('192.0.2.11');
    expect(canonicalPair('2001:DB8:0::1/128')).toBe('2001:db8::1');
    expect(canonicalPair('1.1.1.1/0')).toBe('1.1.1.1/0');
    expect(canonicalPair('192.0.2.0/24')).toBe('192.0.2.0/24');
    expect(canonicalPair('junk')).toBe('junk');
  });

  it('finds and removes an address however it is written', () => {
    const port = { id: 'p', allowed_address_pairs: [{ ip_address: '192.0.2.11/32', mac_address: 'fa:16:3e:00:00:0a' }, { ip_address: '1.1.1.1/0' }] };
    expect(hasPair(port, '192.0.2.11')).toBe(true);
    expect(hasPair(port, '192.0.2.12')).toBe(false);
    expect(pairAddresses(port)).toEqual(['192.0.2.11', '1.1.1.1/0']);
    expect(pairsWithout(port, '192.0.2.11')).toEqual([{ ip_address: '1.1.1.1/0' }]);
    expect(sameSet(['a', 'b', 'a'], ['b', 'a'])).toBe(true);
    expect(sameSet(['a'], ['a', 'b'])).toBe(false);
  });
});
