/**
 * Loader and typed surface of the native addon (native/, built by node-gyp into
 * build/Release/keepvip.node). The addon is loaded on first use, so modules that only
 * import types from here work without a build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A syscall failure raised by the addon. */
export interface SyscallError extends Error {
  code: 'ERR_SYSCALL';
  /** The failing call, e.g. 'setsockopt(IP_ADD_MEMBERSHIP)'. */
  syscall: string;
  /** The positive errno value. */
  errno: number;
  /** The symbolic errno, e.g. 'EPERM'. */
  errnoName: string;
}

export function isSyscallError(e: unknown): e is SyscallError {
  return e instanceof Error && (e as { code?: unknown }).code === 'ERR_SYSCALL';
}

/** Opaque native handle (a wrapped object); only the addon's functions accept it. */
export interface NativeHandle {
  readonly __brand?: 'keepvip-native-handle';
}

/** `rxMs`: the kernel's receive time on CLOCK_MONOTONIC (ms, as monotonicNowMs), or -1 when unknown. */
export type NativePacketCallback = (payload: Buffer, src: string, dst: string, ifindex: number, ttl: number, rxMs: number) => void;

export interface NativeRawOptions {
  family: 4 | 6;
  /** IP protocol number (default 112, VRRP). */
  protocol?: number;
  bindDevice?: string;
  /** Unicast TTL / hop limit (IP_TTL / IPV6_UNICAST_HOPS). */
  ttl?: number;
  /** Multicast TTL / hop limit (IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS). */
  multicastTtl?: number;
  /** IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP; off unless true. */
  multicastLoop?: boolean;
  /** Outgoing interface for multicast (ifindex). */
  multicastIf?: number;
  recvBufSize?: number;
  /** IPv6 only: IPV6_CHECKSUM offset. */
  checksumOffset?: number;
  /** Attach a BPF filter that keeps only VRRP version 2 and 3. */
  versionFilter?: boolean;
  /** Receiving sockets only; without it the socket is send-only and drops all input. */
  onPacket?: NativePacketCallback;
  onError?: (err: SyscallError) => void;
}

export interface NativeAddon {
  rawOpen(opts: NativeRawOptions): NativeHandle;
  rawMembership(sock: NativeHandle, join: boolean, group: string, ifindex: number): void;
  rawSend(sock: NativeHandle, payload: Uint8Array, dst: string, src?: string | null, ifindex?: number | null): number;
  rawClose(sock: NativeHandle): void;
  packetOpen(ifindex: number): NativeHandle;
  packetSend(sock: NativeHandle, frame: Uint8Array): number;
  packetClose(sock: NativeHandle): void;
  timerOpen(onFire: () => void, onError?: ((err: SyscallError) => void) | null): NativeHandle;
  timerArm(timer: NativeHandle, deadline: bigint | number): void;
  timerDisarm(timer: NativeHandle): void;
  timerClose(timer: NativeHandle): void;
  monotonicNowNs(): bigint;
  monotonicNowMs(): number;
  sdNotify(socket: string, state: string): number;
  ifNameToIndex(name: string): number;
  ifIndexToName(index: number): string;
  ifHwAddr(name: string): Buffer;
}

/** The package root: the nearest ancestor directory whose package.json names keepvip. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'keepvip') return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`keepvip package root not found above ${from}`);
  }
}

let loaded: NativeAddon | undefined;

/** The addon, loaded once from build/Release/keepvip.node under the package root. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  const root = packageRoot();
  const file = join(root, 'build', 'Release', 'keepvip.node');
  if (!existsSync(file)) {
    const err = new Error(`native addon not built: ${file} is missing (run npm ci, or npx node-gyp rebuild)`);
    (err as Error & { code: string }).code = 'ERR_NATIVE_MISSING';
    throw err;
  }
  loaded = createRequire(import.meta.url)(file) as NativeAddon;
  return loaded;
}
