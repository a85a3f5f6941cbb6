import { existsSync, readdirSync } from 'node:fs';

/** What the checks may know about the host. Absent facts are not checked. */
export interface ConfigEnv {
  /** Whether a network interface exists (keepalived refuses missing ones unless dynamic_interfaces). */
  interfaceExists?: (name: string) => boolean;
}

/** Interfaces present on this host (in this network namespace), or no check if unknown. */
export function hostEnv(): ConfigEnv {
  const dir = '/sys/class/net';
  if (!existsSync(dir)) return {};
  let names: Set<string>;
  try {
    names = new Set(readdirSync(dir));
  } catch {
    return {};
  }
  return { interfaceExists: (n) => names.has(n) };
}
