/**
 * Record & replay seam: turning a recorded exchange into a script route is
 * the proxy's job (`core/proxy/record.ts`, export `recordAsMock(record,
 * options)`). Loaded lazily so the host works before — or without — it.
 */
import type { ExchangeRecord } from '../telemetry/exchange-record.js';

/** What recordAsMock answers. */
export type RecordResult = { ok: true; yaml: string } | { ok: false; message: string };

/** The function the proxy module exports. */
type Recorder = (record: ExchangeRecord, options: { speed?: number; path?: string }) => RecordResult | Promise<RecordResult>;

let recorder: Promise<Recorder | undefined> | undefined;

async function loadRecorder(): Promise<Recorder | undefined> {
  // A variable specifier: the module may not exist in this build, and must not break type checking.
  const spec = '../proxy/record.js';
  try {
    const mod = (await import(spec)) as { recordAsMock?: unknown };
    return typeof mod.recordAsMock === 'function' ? (mod.recordAsMock as Recorder) : undefined;
  } catch {
    return undefined;
  }
}

/** Turns an exchange into a script route (YAML), or says why not. */
export async function recordAsMock(record: ExchangeRecord, options: { speed?: number; path?: string }): Promise<RecordResult> {
  recorder ??= loadRecorder();
  const fn = await recorder;
  if (!fn) {
    recorder = undefined; // try again next time: the module may land in a later build of a dev checkout
    return { ok: false, message: 'record & replay is not available yet' };
  }
  try {
    return await fn(record, options);
  } catch (err) {
    return { ok: false, message: `could not record exchange #${record.id}: ${(err as Error).message}` };
  }
}
