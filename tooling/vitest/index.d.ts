import type { UserConfig } from 'vitest/config';
/** The shared vitest settings, merged with a package's own overrides. */
export declare function packageConfig(overrides?: UserConfig): UserConfig;
