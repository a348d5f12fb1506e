/**
 * `multipart/form-data` uploads (browser forms, `curl -F`): busboy splits
 * the body as it arrives; each file part streams to its own file in `dir`
 * (hashed, published without overwriting), text fields are collected, and
 * the progress stream counts the whole body. Nothing holds a file in memory:
 *
 *   req ─▶ ex.pipeBody (limits, max_size) ─▶ busboy ─┬▶ file part ─▶ FileSink (sha256) ─▶ dir/NAME
 *                                                    └▶ field ─▶ fields{}
 *
 * The result event lists every file (`field`, `name`, `type`, `bytes`,
 * `sha256`) and the fields; a malformed body or one past max_size deletes
 * the files already written and ends with an error event.
 */
import busboy from 'busboy';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SluiceError } from '../../util/errors.js';
import type { UploadConfig } from '../../config/index.js';
import type { Exchange } from '../../kernel/index.js';
import { checkSize, FileSink, openProgress, safeFileName, TooLarge } from './upload-files.js';

/** Limits on the non-file part of a form: a form is not a place for big values. */
const FIELD_LIMITS = { fields: 1000, fieldSize: 64 * 1024, fieldNameSize: 200, parts: 10_000 };

/** True for a body busboy should split. */
export function isMultipart(ex: Exchange): boolean {
  return /^multipart\/form-data\b/i.test(String(ex.req.headers['content-type'] ?? ''));
}

/** One file part as it is stored. */
interface StoredFile {
  field: string;
  name: string;
  type: string;
  bytes: number;
  sha256: string;
}

/** Writes one file part to its sink; the part's stream pauses busboy while the disk is behind. */
async function storeFile(
  dir: string,
  field: string,
  stream: Readable,
  info: busboy.FileInfo,
  sinks: FileSink[],
): Promise<StoredFile> {
  const sink = await FileSink.open(dir, safeFileName(info.filename));
  sinks.push(sink);
  for await (const chunk of stream) await sink.write(chunk as Buffer);
  const kept = await sink.keep();
  sinks.splice(sinks.indexOf(sink), 1);
  return { field, name: kept.name, type: info.mimeType, bytes: kept.bytes, sha256: kept.sha256 };
}

/** Receives a multipart body into `dir` and answers with progress and the list of files and fields. */
export async function receiveMultipart(
  ex: Exchange,
  cfg: UploadConfig,
  dir: string,
  total: number | undefined,
): Promise<void> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: ex.req.headers, limits: FIELD_LIMITS });
  } catch (err) {
    throw new SluiceError('E_BAD_REQUEST', `malformed multipart request: ${(err as Error).message}`);
  }
  const progress = openProgress(ex, total);
  const sinks: FileSink[] = [];
  const stored: Promise<StoredFile>[] = [];
  const fields: Record<string, string> = {};
  const streams: Readable[] = [];
  let failure: Error | undefined;
  bb.on('file', (field, stream, info) => {
    streams.push(stream);
    // Listened to at once: a part can fail (a form cut short) before its file is open and read.
    stream.on('error', (err: Error) => {
      failure ??= new Error(`malformed multipart body: ${err.message}`);
    });
    const p = storeFile(dir, field, stream, info, sinks);
    p.catch((err: Error) => {
      failure ??= err;
      stream.resume();
    });
    stored.push(p);
  });
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) failure ??= new Error(`field "${name}" is longer than ${FIELD_LIMITS.fieldSize} bytes`);
    fields[name] = value;
  });
  const parsed = new Promise<void>((resolve, reject) => {
    bb.on('close', resolve);
    bb.on('error', (err: Error) => reject(new Error(`malformed multipart body: ${err.message}`)));
    bb.on('partsLimit', () => reject(new Error(`more than ${FIELD_LIMITS.parts} parts`)));
  });
  parsed.catch(() => undefined);
  let received = 0;
  try {
    await ex.pipeBody(async (chunk) => {
      received += chunk.length;
      await checkSize(progress, ex, received, cfg.max_size);
      if (failure) throw failure;
      if (!bb.write(chunk)) await new Promise<void>((resolve) => bb.once('drain', resolve));
      progress.tick(received);
    });
    bb.end();
    await parsed;
    const files = await Promise.all(stored);
    if (failure) throw failure;
    if (total !== undefined && received !== total)
      throw new Error(`the body ended after ${received} of ${total} bytes`);
    progress.tick(received, true);
    await progress.finish('result', { files, fields, bytes: received });
  } catch (err) {
    bb.destroy();
    for (const s of streams) if (!s.readableEnded) s.destroy(new Error('upload stopped'));
    await Promise.allSettled(stored);
    await Promise.all(sinks.map((s) => s.discard()));
    // Files published before the failure are removed too: a failed upload leaves nothing behind.
    for (const r of await Promise.allSettled(stored))
      if (r.status === 'fulfilled') await removePublished(dir, r.value.name);
    const message = err instanceof Error ? err.message : String(err);
    ex.record.error = message;
    if (ex.signal.aborted || err instanceof TooLarge) return;
    await progress.finish('error', { error: message, received });
  }
}

async function removePublished(dir: string, name: string): Promise<void> {
  await unlink(join(dir, name)).catch(() => undefined);
}
