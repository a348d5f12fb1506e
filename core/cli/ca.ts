/**
 * `sluice ca [--spki]`: the local CA's certificate path (one line), created
 * on first use — for `NODE_EXTRA_CA_CERTS=…`, `curl --cacert …` or an OS
 * trust store — or with --spki the base64 SHA-256 of its public key, what
 * Chromium's `--ignore-certificate-errors-spki-list` takes.
 */
import type { Command } from 'commander';
import { LocalCa } from '../tls/index.js';
import { consoleOut, type Out } from './run.js';

/** Prints the CA's path or SPKI hash; returns the exit code. */
export async function caCommand(opts: { spki?: boolean }, out: Out = consoleOut): Promise<number> {
  let ca: LocalCa;
  try {
    ca = await LocalCa.open();
  } catch (err) {
    out.error(`sluice ca: ${(err as Error).message}`);
    return 1;
  }
  out.log(opts.spki ? ca.spki() : ca.certPath);
  return 0;
}

/** Registers `sluice ca`. */
export function installCa(program: Command): void {
  program
    .command('ca')
    .description(
      'print the path of the local CA certificate (PEM) that signs tls: {} listeners; created on first use (SLUICE_HOME moves it)',
    )
    .option(
      '--spki',
      "print the base64 SHA-256 of the CA's public key instead (Chromium --ignore-certificate-errors-spki-list)",
    )
    .action(async (opts: { spki?: boolean }) => {
      process.exitCode = await caCommand(opts);
    });
}
