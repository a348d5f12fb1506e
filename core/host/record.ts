/**
 * Record & replay seam: a recorded LLM stream (a known provider format)
 * becomes an `llm` route (`core/llm/record.ts`); any other stream a timed
 * script route (`core/proxy/record.ts`). The host only picks and guards the
 * call so a bad record answers with a message instead of a rejected promise.
 */
import { stringify } from 'yaml';
import { routeSchema } from '../config/schema.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import { recordAsMock as recordExchange, type RecordResult } from '../proxy/record.js';
import { llmRouteFromRecord } from '../llm/record.js';

export type { RecordResult };

/** The `llm` route of a recorded LLM stream, or undefined to fall back to a script (options are checked there). */
function recordLlm(record: ExchangeRecord, options: { speed?: number; path?: string }): RecordResult | undefined {
  const speed = options.speed ?? 1;
  const path = options.path ?? `/replay/${record.id}`;
  if (!(speed > 0) || !Number.isFinite(speed) || !path.startsWith('/')) return undefined;
  const built = llmRouteFromRecord(record, { speed, path });
  if (!built) return undefined;
  const check = routeSchema.safeParse(built.value);
  if (!check.success)
    return { ok: false, message: `the recorded route does not validate: ${check.error.issues[0]?.message}` };
  return { ok: true, yaml: stringify(built.value, { lineWidth: 0 }), note: built.note };
}

/** Turns an exchange into an `llm` route or a script route (YAML), or says why not. */
export async function recordAsMock(
  record: ExchangeRecord,
  options: { speed?: number; path?: string },
): Promise<RecordResult> {
  try {
    return recordLlm(record, options) ?? recordExchange(record, options);
  } catch (err) {
    return { ok: false, message: `could not record exchange #${record.id}: ${(err as Error).message}` };
  }
}
