/**
 * The configuration corpus shared by the golden, differential and fuzz tests: every file
 * in test/fixtures/config/*.conf, the config id and interfaces they are written for.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'config');
/** The config id the corpus is written for (@node1 lines). */
export const CONFIG_ID = 'node1';
/** Interfaces the corpus expects (the differential test creates them in a namespace). */
export const INTERFACES = ['lo', 'eth0', 'eth1'];

export function corpusFiles(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.conf'))
    .sort();
}

/** Make absolute fixture paths relative, so goldens do not depend on the checkout location. */
export function relativize<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).split(`${FIXTURES}/`).join('')) as T;
}
