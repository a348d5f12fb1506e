/**
 * Config files on disk: read + validate with positions, and atomic saves
 * (write a temp file, fsync, rename) so a crash never leaves half a config.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadConfig, updateConfigText, type LoadResult } from '../config/index.js';

/** Reads and validates a config file; a missing file is one clear error. */
export async function loadConfigFile(path: string): Promise<LoadResult & { text?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    return { ok: false, errors: [{ file: path, line: 0, col: 0, path: '', message: why }] };
  }
  return { ...loadConfig(text, path), text };
}

/** Writes `text` to `path` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // fsync the directory so the rename itself survives a crash.
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  if (dir)
    await dir
      .sync()
      .catch(() => undefined)
      .finally(() => dir.close());
}

/** Saves a config object into an existing file, keeping its comments and key order. */
export async function saveConfigFile(path: string, value: unknown): Promise<string> {
  const original = await readFile(path, 'utf8').catch(() => '');
  const text = updateConfigText(original, value);
  await writeFileAtomic(path, text);
  return text;
}
