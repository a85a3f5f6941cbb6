/**
 * The addon loads from the package root and reports failures as typed errors.
 * These checks need no privileges and touch no network.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSyscallError, native, packageRoot } from '../../src/shell/net/addon.js';
import { formatMac, ifHwAddr, ifIndexToName, ifMac, ifNameToIndex } from '../../src/shell/net/iface.js';
import { repoRoot } from './helpers/peer-client.js';

function thrown(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

describe('native addon', () => {
  it('is found from src/ and from the compiled dist/ layout', () => {
    expect(packageRoot()).toBe(repoRoot);
    expect(packageRoot(join(repoRoot, 'dist', 'shell', 'net'))).toBe(repoRoot);
    expect(Object.keys(native()).sort()).toEqual(
      [
        'rawOpen', 'rawMembership', 'rawSend', 'rawClose',
        'packetOpen', 'packetSend', 'packetClose',
        'timerOpen', 'timerArm', 'timerDisarm', 'timerClose', 'monotonicNowNs', 'monotonicNowMs',
        'sdNotify', 'ifNameToIndex', 'ifIndexToName', 'ifHwAddr',
      ].sort(),
    );
  });

  it('maps interface names, indexes and hardware addresses', () => {
    expect(ifNameToIndex('lo')).toBe(1);
    expect(ifIndexToName(1)).toBe('lo');
    expect(ifHwAddr('lo')).toEqual(Buffer.alloc(6));
    expect(ifMac('lo')).toBe('00:00:00:00:00:00');
    expect(formatMac(Buffer.from([0x02, 0xab, 0, 1, 0x10, 0xff]))).toBe('02:ab:00:01:10:ff');
  });

  it('syscall failures are ERR_SYSCALL errors with syscall, errno and errnoName', () => {
    const e = thrown(() => ifNameToIndex('nosuch0'));
    expect(e).toBeInstanceOf(Error);
    expect(isSyscallError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'if_nametoindex', errno: 19, errnoName: 'ENODEV' });
    expect(e.message).toBe('if_nametoindex failed: no such device (ENODEV)');
    expect(thrown(() => ifIndexToName(0x7ffffff0))).toMatchObject({ code: 'ERR_SYSCALL', syscall: 'if_indextoname', errnoName: 'ENXIO' });
    expect(thrown(() => ifHwAddr('nosuch0'))).toMatchObject({ syscall: 'ioctl(SIOCGIFHWADDR)', errnoName: 'ENODEV' });
  });

  it('bad arguments are TypeError / RangeError with stable codes', () => {
    const n = native();
    expect(thrown(() => n.rawOpen(undefined as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => n.rawOpen({} as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: 'family is required' });
    expect(thrown(() => n.rawOpen({ family: 5 as never }))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(thrown(() => n.rawOpen({ family: 4, ttl: 256 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => n.rawOpen({ family: 4, onPacket: 1 as never }))).toBeInstanceOf(TypeError);
    expect(thrown(() => n.ifNameToIndex('x'.repeat(40)))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(thrown(() => n.sdNotify('relative.sock', 'READY=1'))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    // A handle of one kind is refused by the functions of another.
    const timer = n.timerOpen(() => {});
    try {
      expect(thrown(() => n.rawSend(timer, Buffer.alloc(8), '192.0.2.1'))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect(thrown(() => n.packetSend(timer, Buffer.alloc(60)))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    } finally {
      n.timerClose(timer);
    }
  });
});
