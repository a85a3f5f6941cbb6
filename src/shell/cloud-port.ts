/**
 * What the daemon asks of cloud VIP claims (src/shell/cloud.ts, CloudManager). Without a
 * cloud_vip in the configuration NO_CLOUD stands in, and the cloud code (HTTP and TLS
 * clients, signing, providers) is never loaded.
 */

export interface CloudClaimState {
  vip: string;
  provider: string;
  /** idle, claiming, claimed, releasing, released, failed, cancelled */
  state: string;
  attempts: number;
  lastLatencyMs?: number;
  lastError?: string;
}

export interface CloudPort {
  /** Entering MASTER, in the turn of the first advert: fire the armed first requests. */
  fire(instance: string): void;
  /** The core asked for a claim (entering MASTER) or a release. */
  run(instance: string, op: 'claim' | 'release'): void;
  /** Discovery ahead of the first claim (reads only), in the background. */
  prepare(timeoutMs?: number): void;
  /** A MASTER heard a lower-priority advert: claim again (idempotent, rate-limited). */
  reassert(instance: string): void;
  /** The instance's state changed (leaving MASTER cancels a claim in flight). */
  transition(instance: string, to: string): void;
  status(instance: string): CloudClaimState[];
  close(timeoutMs?: number): Promise<void>;
}

/** No cloud_vip: nothing to claim. */
export const NO_CLOUD: CloudPort = {
  fire: () => {},
  run: () => {},
  prepare: () => {},
  reassert: () => {},
  transition: () => {},
  status: () => [],
  close: async () => {},
};
