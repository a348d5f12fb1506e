/**
 * Maps the rest of a request path onto a file under a root, as nginx
 * `alias` does, refusing every way out of the root: `..` segments (plain or
 * percent-encoded), encoded slashes and backslashes, NUL bytes, and symlinks
 * whose real path lies outside the root's real path.
 */
import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';

/** A path that resolved inside the root. */
export interface ResolvedPath {
  ok: true;
  real: string;
  rootReal: string;
  stat: Stats;
}
/** A refusal with the status to answer. */
export interface RefusedPath {
  ok: false;
  status: 400 | 403 | 404;
  why: string;
}

/** Decodes `/a/b%20c.txt` into checked segments, or says why not. */
export function pathSegments(rest: string): string[] | RefusedPath {
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, why: 'malformed percent-encoding in path' };
    }
    if (seg === '.') continue;
    if (seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) {
      return { ok: false, status: 403, why: 'path leaves the root' };
    }
    out.push(seg);
  }
  return out;
}

/** True when `real` is `root` or lies beneath it. */
export function isInside(rootReal: string, real: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

/** Resolves `segments` under `root`, following symlinks only while they stay inside the root. */
export async function resolveUnder(root: string, segments: readonly string[]): Promise<ResolvedPath | RefusedPath> {
  let rootReal: string;
  try {
    rootReal = await realpath(root);
  } catch {
    return { ok: false, status: 404, why: 'the root directory does not exist' };
  }
  let real: string;
  try {
    real = await realpath(join(rootReal, ...segments));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES'
      ? { ok: false, status: 403, why: 'permission denied' }
      : { ok: false, status: 404, why: 'not found' };
  }
  if (!isInside(rootReal, real)) return { ok: false, status: 403, why: 'path leaves the root' };
  try {
    return { ok: true, real, rootReal, stat: await stat(real) };
  } catch {
    return { ok: false, status: 404, why: 'not found' };
  }
}
