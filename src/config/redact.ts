/** A copy of the model with every secret replaced by "***" (for --dump-config and logs). */
import { MASK } from './diagnostics.js';
import type { ConfigModel } from './model.js';

export function redactModel(model: ConfigModel): ConfigModel {
  const copy = structuredClone(model);
  for (const inst of copy.instances) {
    if (inst.auth?.password !== undefined) inst.auth.password = MASK;
  }
  for (const p of copy.cloudProviders) {
    if (p.password !== undefined) p.password = MASK;
    if (p.secretKey !== undefined) p.secretKey = MASK;
    if (p.applicationCredentialSecret !== undefined) p.applicationCredentialSecret = MASK;
  }
  return copy;
}
