/**
 * What the installed nginx is, for an export written to run on it: asks
 * `nginx -V` for its version, whether it has HTTP/2, its modules path and
 * whether stream is built in, then looks for the module files and the
 * system's trusted roots. Where nothing is found the export still names
 * Debian's paths (and the HTTP/2 syntax every nginx version accepts), and
 * says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_MODULES, type ModuleFiles, type NginxTarget } from './export.js';
import { SYSTEM_ROOT_BUNDLES } from './export-tls.js';

/** The module files to load, and what could not be found (for a warning). */
export interface FoundModules {
  files: ModuleFiles;
  missing: string[];
}

/** What `nginx -V` says (empty when nginx is not on the PATH). */
interface NginxBuild {
  version?: string;
  http2?: boolean;
  modulesPath?: string;
  streamBuiltIn: boolean;
}

let build: NginxBuild | undefined;

function nginxBuild(): NginxBuild {
  if (build) return build;
  const r = spawnSync('nginx', ['-V'], { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const version = /nginx version: \S*?\/(\d+\.\d+\.\d+)/.exec(text)?.[1];
  build = {
    version,
    http2: version === undefined ? undefined : /--with-http_v2_module(\s|$)/.test(text),
    modulesPath: /--modules-path=(\S+)/.exec(text)?.[1],
    streamBuiltIn: /--with-stream(\s|$)/.test(text),
  };
  return build;
}

/**
 * The nginx an export is for: `version` when given (`--nginx-version`),
 * else this machine's nginx; unknown when there is none.
 */
export function nginxTarget(version?: string): NginxTarget {
  if (version !== undefined) return { version };
  const b = nginxBuild();
  return { version: b.version, http2: b.http2 };
}

/** This machine's bundle of trusted roots, for upstreams verified without a `ca` file; undefined: Debian's path. */
export function systemRootBundle(): string | undefined {
  return SYSTEM_ROOT_BUNDLES.find((p) => existsSync(p));
}

/** Module files for stream and nchan in `dir`, else where this machine's nginx keeps them, else Debian's paths. */
export function findNginxModules(dir?: string): FoundModules {
  const b = dir ? { modulesPath: dir, streamBuiltIn: false } : nginxBuild();
  const base = b.modulesPath ?? '/usr/lib/nginx/modules';
  const missing: string[] = [];
  const pick = (file: string, fallback: string): string => {
    const p = join(base, file);
    if (existsSync(p)) return p;
    missing.push(`${file} (looked in ${base}; the export loads ${fallback})`);
    return fallback;
  };
  return {
    files: {
      stream: b.streamBuiltIn ? undefined : pick('ngx_stream_module.so', DEBIAN_MODULES.stream),
      nchan: pick('ngx_nchan_module.so', DEBIAN_MODULES.nchan),
    },
    missing,
  };
}
