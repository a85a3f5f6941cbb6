/**
 * systemd readiness notification (sd_notify(3) protocol): one datagram to the AF_UNIX
 * socket in $NOTIFY_SOCKET, a path or an abstract name written as '@name'.
 */
import { native } from './addon.js';

/**
 * Send `state` (e.g. 'READY=1', 'STOPPING=1', 'STATUS=...', newline-separated) to the
 * service manager. Returns false when NOTIFY_SOCKET is unset or empty; throws
 * ERR_SYSCALL when the send fails and ERR_NOTIFY_SOCKET for an address form other than
 * a path or '@name' (e.g. vsock). The send never blocks the event loop: when the service
 * manager's queue is full it fails with errnoName 'EAGAIN' and the caller may retry.
 */
export function notify(state: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return false;
  if (!socket.startsWith('/') && !socket.startsWith('@')) {
    throw Object.assign(new Error(`unsupported NOTIFY_SOCKET address: ${socket}`), { code: 'ERR_NOTIFY_SOCKET' });
  }
  native().sdNotify(socket, state);
  return true;
}
