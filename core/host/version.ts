/** The package version, for `health` and `/metrics` (read once; "0.0.0" when the package file is not beside us, e.g. bundled). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Sluice's version string. */
export const VERSION = readVersion();
