/**
 * `sluice export-nginx CONFIG` prints the nginx.conf equivalent of a Sluice
 * document (for `tls: {}` servers it first writes the local CA's certificate
 * to files nginx loads); `sluice import-nginx FILE` prints a Sluice document
 * (YAML) for the subset of an nginx.conf Sluice understands, with notes for
 * the rest.
 */
import { dirname, resolve, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { formatConfigError, type SluiceConfig } from '../config/index.js';
import { loadConfigFile } from '../engine/config-file.js';
import { exportNeeds, exportNginx, type LocalCertificateFiles } from '../nginx/export.js';
import { defaultCertificateDir, needsLocalCertificates, writeLocalCertificates } from '../nginx/local-certificates.js';
import { findNginxModules, nginxTarget, systemRootBundle } from '../nginx/modules.js';
import { LocalCa } from '../tls/index.js';
import { formatImportError, importNginxSource } from '../nginx/import.js';
import { readNginxSource } from '../nginx/source.js';

/** Adds both commands to the program. */
export function installNginxCommands(program: Command): void {
  program
    .command('export-nginx')
    .description(
      'print an nginx.conf equivalent of a Sluice config that nginx -t accepts (comments for what nginx cannot express; SSE channels through nchan)',
    )
    .argument('<config>', 'Sluice config file (YAML or JSON)')
    .option('--redis <url>', 'keep SSE channels in Redis (nchan_redis_url), so several nginx nodes share them')
    .option(
      '--modules-dir <dir>',
      "where ngx_stream_module.so and ngx_nchan_module.so are (default: what nginx -V says, else Debian's /usr/lib/nginx/modules)",
    )
    .option(
      '--cert-dir <dir>',
      "where the local CA's certificates for tls: {} servers are written (default: the nginx folder in Sluice's data directory)",
    )
    .option(
      '--nginx-version <version>',
      'the nginx the output is for, e.g. 1.25.3 (default: the installed one; HTTP/2 as `http2 on;` from 1.25.1)',
    )
    .action(async (file: string, o: ExportFlags) => {
      const r = await loadConfigFile(file);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatConfigError({ ...e, file }));
        process.exitCode = 1;
        return;
      }
      if (o.redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(o.redis)) {
        console.error(`sluice export-nginx: --redis takes a URL like redis://127.0.0.1:6379, not "${o.redis}"`);
        process.exitCode = 1;
        return;
      }
      if (o.nginxVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(o.nginxVersion)) {
        console.error(`sluice export-nginx: --nginx-version takes a version like 1.25.3, not "${o.nginxVersion}"`);
        process.exitCode = 1;
        return;
      }
      const base = dirname(resolve(file));
      const localCertificates = await localCertificatesFor(r.config, o.certDir);
      if (typeof localCertificates === 'string') {
        console.error(`sluice export-nginx: ${localCertificates}`);
        process.exitCode = 1;
        return;
      }
      const found = findNginxModules(o.modulesDir);
      const needed = exportNeeds(r.config);
      for (const m of found.missing)
        if ((m.includes('stream') && needed.stream) || (m.includes('nchan') && needed.nchan))
          console.error(`sluice export-nginx: module not found: ${m}`);
      process.stdout.write(
        exportNginx(r.config, {
          source: file,
          modules: found.files,
          redis: o.redis,
          resolvePath: (p) => (isAbsolute(p) ? p : resolve(base, p)),
          nginx: nginxTarget(o.nginxVersion),
          localCertificates,
          systemRoots: systemRootBundle(),
        }),
      );
    });
  program
    .command('import-nginx')
    .description(
      'print a Sluice config (YAML) for an nginx configuration (includes followed); every directive not imported is listed on stderr as file:line',
    )
    .argument('<file>', 'nginx.conf, a sites-enabled file, or any file nginx would include')
    .action(async (file: string) => {
      process.exitCode = await importCommand(file, {
        yaml: (text) => process.stdout.write(text),
        error: (line) => console.error(line),
      });
    });
}

interface ExportFlags {
  redis?: string;
  modulesDir?: string;
  certDir?: string;
  nginxVersion?: string;
}

/**
 * The local CA's certificate files for the config's `tls: {}` servers,
 * written to `certDir` (each named on stderr); a string is why they could
 * not be written.
 */
async function localCertificatesFor(
  config: SluiceConfig,
  certDir: string | undefined,
): Promise<Record<string, LocalCertificateFiles> | string> {
  if (!needsLocalCertificates(config)) return {};
  const dir = resolve(certDir ?? defaultCertificateDir());
  try {
    const files = await writeLocalCertificates(config, await LocalCa.open(), dir);
    for (const [server, f] of Object.entries(files))
      console.error(
        `sluice export-nginx: server ${server} (tls: {}): the local CA's certificate for ${f.hosts.join(', ')} is in ${f.cert} and ${f.key}; clients trust ${f.ca}`,
      );
    return files;
  } catch (err) {
    return `cannot write the local CA's certificates for tls: {} servers to ${dir} (${(err as Error).message}); pass --cert-dir DIR, or give the servers tls: { cert, key }`;
  }
}

/** Where `import-nginx` writes: the YAML (stdout), and notes and errors one per line (stderr). */
export interface ImportOut {
  yaml(text: string): void;
  error(line: string): void;
}

/** `sluice import-nginx FILE`: the YAML and its notes, or every error and nothing else; returns the exit code. */
export async function importCommand(file: string, out: ImportOut): Promise<number> {
  const read = await readNginxSource(file);
  const r = read.ok ? importNginxSource(read.source) : read;
  if (!r.ok) {
    for (const e of r.errors) out.error(formatImportError(e));
    return 1;
  }
  for (const n of r.notes) out.error(n);
  out.yaml(r.yaml);
  return 0;
}
