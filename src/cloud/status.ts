/**
 * `keepvip cloud status`: for each cloud_vip, the VIP port, which NIC IPs its
 * allowed_address_pairs name (and whether this node is one), and the EIPs bound, as data.
 * A failing VIP is reported with its error code; the others are still queried.
 */
import { CloudError } from './errors.js';
import type { CloudVip } from './config.js';
import type { CloudProvider, VipStatus } from './provider.js';

export type CloudVipStatus =
  | ({ ok: true; instance?: string } & VipStatus)
  | { ok: false; instance?: string; vip: string; provider: string; code: string; message: string };

export interface StatusOptions {
  /** Overall deadline for one VIP's queries (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function cloudStatus(
  providers: ReadonlyMap<string, CloudProvider>,
  vips: readonly CloudVip[],
  opts: StatusOptions = {},
): Promise<CloudVipStatus[]> {
  return Promise.all(
    vips.map(async (vip): Promise<CloudVipStatus> => {
      const inst = vip.instance ? { instance: vip.instance } : {};
      const provider = providers.get(vip.provider);
      if (!provider) {
        return { ok: false, ...inst, vip: vip.address, provider: vip.provider, code: 'CONFIG_INVALID', message: `no cloud_provider named ${vip.provider}` };
      }
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      try {
        return { ok: true, ...inst, ...(await provider.status(vip, signal)) };
      } catch (err) {
        const e = err instanceof CloudError ? err : undefined;
        return {
          ok: false,
          ...inst,
          vip: vip.address,
          provider: vip.provider,
          code: e?.code ?? 'INTERNAL',
          message: e?.message ?? String(err),
        };
      }
    }),
  );
}
