/** What the checks may know about the host. Absent facts are not checked. */
export interface ConfigEnv {
  /** Whether a network interface exists (keepalived refuses missing ones unless dynamic_interfaces). */
  interfaceExists?: (name: string) => boolean;
}
