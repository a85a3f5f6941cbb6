/**
 * Interface lookups through the native addon: name <-> index and the MAC address.
 * Failures throw ERR_SYSCALL errors (ENODEV for an unknown name, ENXIO for an unknown index).
 */
import { native } from './addon.js';

export function ifNameToIndex(name: string): number {
  return native().ifNameToIndex(name);
}

export function ifIndexToName(index: number): string {
  return native().ifIndexToName(index);
}

/** The interface's hardware address as 6 bytes (SIOCGIFHWADDR). */
export function ifHwAddr(name: string): Buffer {
  return native().ifHwAddr(name);
}

/** The interface's MAC address as lower-case aa:bb:cc:dd:ee:ff. */
export function ifMac(name: string): string {
  return formatMac(ifHwAddr(name));
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}
