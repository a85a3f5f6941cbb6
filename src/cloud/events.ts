/**
 * Every event the cloud code emits, in one place. Consumers (the daemon's logger, metrics,
 * tests) subscribe with a plain function; nothing here depends on a logging library.
 * Events carry identifiers and numbers only: never credentials, tokens or bodies.
 */

/** One HTTP exchange with a cloud API (or its failure to complete). */
export interface HttpEvent {
  type: 'http';
  /** Which API: vpc, neutron, keystone, metadata. */
  api: string;
  method: string;
  /** Path without query string. */
  path: string;
  status: number;
  latencyMs: number;
  requestId?: string;
  /** Error code when the exchange failed (TIMEOUT, NETWORK_ERROR, VPC.xxxx, ...). */
  code?: string;
}

export type ClaimEvent =
  | {
      type: 'claim_attempt';
      claimId: number;
      vip: string;
      attempt: number;
      operation: 'claim' | 'release';
    }
  | {
      type: 'claim_success';
      claimId: number;
      vip: string;
      attempt: number;
      operation: 'claim' | 'release';
      /** From the start of this claim (the MASTER transition) to verified success. */
      latencyMs: number;
      /** false when the cloud already had the wanted state (nothing was written). */
      changed: boolean;
    }
  | {
      type: 'claim_failure';
      claimId: number;
      vip: string;
      attempt: number;
      operation: 'claim' | 'release';
      code: string;
      status?: number;
      requestId?: string;
      message: string;
      retryable: boolean;
      /** Delay before the next attempt; absent when the claim gives up. */
      retryInMs?: number;
    }
  | {
      type: 'claim_cancelled';
      claimId: number;
      vip: string;
      attempt: number;
      operation: 'claim' | 'release';
      reason: string;
    };

export interface WarningEvent {
  type: 'cloud_warning';
  code: string;
  message: string;
  vip?: string;
}

export type CloudEvent = HttpEvent | ClaimEvent | WarningEvent;

export type CloudEventSink = (event: CloudEvent) => void;

/** Calls a sink and swallows its exceptions: observers must never break a claim. */
export function emit(sink: CloudEventSink | undefined, event: CloudEvent): void {
  if (!sink) return;
  try {
    sink(event);
  } catch {
    /* an observer's bug is not the claim's problem */
  }
}
