/**
 * One-shot timer on absolute CLOCK_MONOTONIC deadlines (timerfd through the native
 * addon), and the clock it runs on. The scheduler arms every VRRP timer
 * (Adver_Timer, Master_Down_Timer, RFC 9568 §6.4) on an absolute deadline, so a late
 * callback never shifts the next one. The callback never runs before its deadline.
 */
import { native, type NativeHandle, type SyscallError } from './addon.js';

/** CLOCK_MONOTONIC in milliseconds (fractional); the clock of process.hrtime() and timerfd. */
export function monotonicNowMs(): number {
  return native().monotonicNowMs();
}

/** CLOCK_MONOTONIC in nanoseconds. */
export function monotonicNowNs(): bigint {
  return native().monotonicNowNs();
}

export class MonotonicTimer {
  private handle: NativeHandle | undefined;
  private armedFlag = false;

  private constructor(onFire: () => void, onError?: (err: SyscallError) => void) {
    this.handle = native().timerOpen(() => {
      this.armedFlag = false;
      onFire();
    }, onError ?? null);
  }

  /** A disarmed timer that calls onFire once per arm(). */
  static open(onFire: () => void, onError?: (err: SyscallError) => void): MonotonicTimer {
    return new MonotonicTimer(onFire, onError);
  }

  get armed(): boolean {
    return this.armedFlag;
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  /**
   * Fire once at `deadline` on the monotonic clock: a bigint in nanoseconds or a number
   * in milliseconds (as monotonicNowMs). A deadline in the past fires on the next loop
   * turn. Re-arming replaces the previous deadline.
   */
  arm(deadline: bigint | number): void {
    native().timerArm(this.h(), deadline);
    this.armedFlag = true;
  }

  disarm(): void {
    native().timerDisarm(this.h());
    this.armedFlag = false;
  }

  close(): void {
    const h = this.handle;
    this.handle = undefined;
    this.armedFlag = false;
    if (h) native().timerClose(h);
  }

  private h(): NativeHandle {
    if (!this.handle) throw Object.assign(new Error('timer is closed'), { code: 'ERR_HANDLE_CLOSED' });
    return this.handle;
  }
}
