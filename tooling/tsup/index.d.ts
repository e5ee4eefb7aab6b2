import type { Options } from 'tsup';
/**
 * The shared build settings, with the package's entry points and overrides. Typed `unknown` so a
 * package's config module never has to name tsup's types (tsup only reads the value).
 */
export declare function libraryConfig(entry?: string[], overrides?: Options): unknown;
