/** Build a provider from its configuration block. */
import { CloudError } from './errors.js';
import type { CloudProviderConfig } from './config.js';
import type { CloudEventSink } from './events.js';
import type { CloudProvider } from './provider.js';
import { HuaweiCloudProvider } from './huaweicloud/provider.js';
import { OpenStackProvider } from './openstack/provider.js';

export interface ProviderDeps {
  events?: CloudEventSink;
  env?: NodeJS.ProcessEnv;
}

export function createProvider(config: CloudProviderConfig, deps: ProviderDeps = {}): CloudProvider {
  switch (config.type) {
    case 'huaweicloud':
      return new HuaweiCloudProvider({ config, ...deps });
    case 'openstack':
      return new OpenStackProvider({ config, ...deps });
    default:
      throw new CloudError('CONFIG_INVALID', `cloud_provider ${(config as CloudProviderConfig).name}: unknown type ${(config as { type: string }).type}`);
  }
}
