/**
 * Record & replay seam: turning a recorded exchange into a script route is
 * the proxy's job (`core/proxy/record.ts`); the host only guards the call so a
 * bad record answers with a message instead of a rejected promise.
 */
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import { recordAsMock as recordExchange, type RecordResult } from '../proxy/record.js';

export type { RecordResult };

/** Turns an exchange into a script route (YAML), or says why not. */
export async function recordAsMock(
  record: ExchangeRecord,
  options: { speed?: number; path?: string },
): Promise<RecordResult> {
  try {
    return recordExchange(record, options);
  } catch (err) {
    return { ok: false, message: `could not record exchange #${record.id}: ${(err as Error).message}` };
  }
}
