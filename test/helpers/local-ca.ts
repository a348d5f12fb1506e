/**
 * A local CA of its own per test file (in a temp SLUICE_HOME-like folder),
 * the way `tls: {}` listeners use the install's: its PEM path for curl
 * `--cacert` and NODE_EXTRA_CA_CERTS, its SPKI hash for Chromium.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa, sharedCa, type CaSource } from '../../core/tls/index.js';

/** A test's local CA and the source an engine takes it from. */
export interface TestCa {
  ca: LocalCa;
  /** Pass as `startEngine(yaml, { ca: source })`. */
  source: CaSource;
  /** The folder holding `ca/` (use as SLUICE_HOME for child processes). */
  home: string;
}

/** Creates a fresh local CA under a temp folder. */
export async function testCa(): Promise<TestCa> {
  const home = mkdtempSync(join(tmpdir(), 'sluice-ca-'));
  const opened = LocalCa.open({ home });
  const ca = await opened;
  return { ca, source: sharedCa(() => opened), home };
}
