/**
 * Finds the dynamic module files an exported nginx.conf loads: asks the
 * installed nginx (`nginx -V`) for its modules path and whether stream is
 * built in, then looks for the files. Where nothing is found the export
 * still names Debian's paths, and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_MODULES, type ModuleFiles } from './export.js';

/** The module files to load, and what could not be found (for a warning). */
export interface FoundModules {
  files: ModuleFiles;
  missing: string[];
}

/** What `nginx -V` says: its modules directory and whether stream is compiled in. */
function nginxBuild(): { modulesPath?: string; streamBuiltIn: boolean } {
  const r = spawnSync('nginx', ['-V'], { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const path = /--modules-path=(\S+)/.exec(text)?.[1];
  return { modulesPath: path, streamBuiltIn: /--with-stream(\s|$)/.test(text) };
}

/** Module files for stream and nchan in `dir`, else where this machine's nginx keeps them, else Debian's paths. */
export function findNginxModules(dir?: string): FoundModules {
  const build = dir ? { modulesPath: dir, streamBuiltIn: false } : nginxBuild();
  const base = build.modulesPath ?? '/usr/lib/nginx/modules';
  const missing: string[] = [];
  const pick = (file: string, fallback: string): string => {
    const p = join(base, file);
    if (existsSync(p)) return p;
    missing.push(`${file} (looked in ${base}; the export loads ${fallback})`);
    return fallback;
  };
  return {
    files: {
      stream: build.streamBuiltIn ? undefined : pick('ngx_stream_module.so', DEBIAN_MODULES.stream),
      nchan: pick('ngx_nchan_module.so', DEBIAN_MODULES.nchan),
    },
    missing,
  };
}
