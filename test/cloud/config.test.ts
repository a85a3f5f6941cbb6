import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { providerConfigFromModel, vipFromModel, withoutSecrets } from '../../src/cloud/config.js';
import { Secret } from '../../src/cloud/secret.js';
import { createProvider } from '../../src/cloud/factory.js';

const pos = { file: 'keepalived.conf', line: 1, col: 1 };

describe('mapping the parsed configuration', () => {
  it('cloud_provider: timeout in seconds, secrets wrapped', () => {
    const c = providerConfigFromModel({
      name: 'hw',
      pos,
      type: 'huaweicloud',
      region: 'r1',
      projectId: 'p1',
      accessKey: 'AKAKAKAKAKAKAKAKAKAK',
      secretKey: 'inline-secret-key-xyz',
      timeout: 3,
      retries: 7,
    } as never);
    expect(c).toMatchObject({ name: 'hw', type: 'huaweicloud', region: 'r1', projectId: 'p1', requestTimeoutMs: 3000, retries: 7 });
    expect(c.secretKey).toBeInstanceOf(Secret);
    expect(JSON.stringify(c)).not.toContain('inline-secret-key-xyz');
    expect(inspect(c)).not.toContain('inline-secret-key-xyz');
    expect(withoutSecrets(c)).not.toHaveProperty('secretKey');
    const provider = createProvider(c, { env: {} });
    expect(provider.type).toBe('huaweicloud');
    expect(inspect(provider, { depth: 20 })).not.toContain('inline-secret-key-xyz');
    expect(() => createProvider({ name: 'x', type: 'nope' } as never)).toThrow(/unknown type nope/);
  });

  it('cloud_vip: from the instance, with the interface MAC', () => {
    const v = vipFromModel(
      {
        name: 'VI_1',
        cloudVip: { provider: 'hw', address: '192.0.2.100', mode: 'shared', releaseOnBackup: true, disableSourceCheck: false, vipPortId: 'vp', pos },
      },
      'fa:16:3e:00:00:0a',
    );
    expect(v).toEqual({
      provider: 'hw',
      address: '192.0.2.100',
      mode: 'shared',
      releaseOnBackup: true,
      disableSourceCheck: false,
      instance: 'VI_1',
      vipPortId: 'vp',
      interfaceMac: 'fa:16:3e:00:00:0a',
    });
    expect(vipFromModel({ name: 'VI_2' })).toBeUndefined();
  });
});
