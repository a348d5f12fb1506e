/**
 * Argument validation for every API call, shared by the Electron IPC handlers
 * and the browser-mode WebSocket: whatever arrives from a renderer is checked
 * against the call's shape before the host sees it. Isomorphic (zod only).
 */
import { z } from 'zod';
import { API_CALLS, type ApiCallName, type SluiceApiCalls } from '../api/index.js';
import { CLIENT_CALL_ARGS } from './client-sessions.js';

const text = z.string().max(4 * 1024 * 1024);
const none = z.tuple([]);

/** Positional argument schemas per call; the table must cover API_CALLS exactly. */
const ARGS: { [K in ApiCallName]: z.ZodType<Parameters<SluiceApiCalls[K]>> } = {
  health: none,
  getConfig: none,
  validateConfig: z.tuple([text]),
  applyConfig: z.tuple([text]),
  saveConfig: z.union([z.tuple([text]), z.tuple([text, z.string().min(1).max(4096).optional()])]) as z.ZodType<
    [string, (string | undefined)?]
  >,
  startEngine: none,
  stopEngine: none,
  publish: z.tuple([
    z.string().min(1).max(200),
    z.strictObject({ event: z.string().max(200).optional(), data: text, id: z.string().max(200).optional() }),
  ]),
  getChannels: none,
  getStats: none,
  getUpstreams: none,
  getTraffic: z.tuple([
    z.strictObject({
      limit: z.number().int().min(1).max(10_000).optional(),
      after: z.number().int().min(0).optional(),
      search: z.string().max(1000).optional(),
    }),
  ]),
  getExchange: z.tuple([z.number().int().min(0)]),
  recordAsMock: z.union([
    z.tuple([z.number().int().min(0)]),
    z.tuple([
      z.number().int().min(0),
      z
        .strictObject({
          speed: z.number().positive().max(1000).optional(),
          path: z.string().startsWith('/').max(1000).optional(),
        })
        .optional(),
    ]),
  ]) as z.ZodType<[number, ({ speed?: number; path?: string } | undefined)?]>,
  ...CLIENT_CALL_ARGS,
  getCaInfo: none,
  openTrustedBrowser: z.union([
    none,
    z.tuple([
      z
        .string()
        .max(4096)
        .regex(/^https?:\/\//, 'the address to open must start with http:// or https://'),
    ]),
  ]) as z.ZodType<[string?]>,
};

/** True for names in the API channel table (the allowlist). */
export function isApiCall(name: unknown): name is ApiCallName {
  return typeof name === 'string' && (API_CALLS as readonly string[]).includes(name);
}

/** Checks a call's arguments; trailing `undefined`s (dropped by JSON) are tolerated. */
export function validateCallArgs<K extends ApiCallName>(
  name: K,
  args: unknown,
): { ok: true; args: Parameters<SluiceApiCalls[K]> } | { ok: false; message: string } {
  if (!Array.isArray(args)) return { ok: false, message: `${name}: arguments must be an array` };
  const trimmed = [...args];
  while (trimmed.length > 0 && (trimmed[trimmed.length - 1] === undefined || trimmed[trimmed.length - 1] === null))
    trimmed.pop();
  const r = ARGS[name].safeParse(trimmed);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (argument ${issue.path.join('.')})` : '';
    return { ok: false, message: `${name}: invalid arguments${where}: ${issue?.message ?? 'rejected'}` };
  }
  return { ok: true, args: r.data as Parameters<SluiceApiCalls[K]> };
}

/** Calls `name` on `host` after validation; errors come back as a rejected promise with a plain message. */
export async function invokeCall(host: SluiceApiCalls, name: unknown, args: unknown): Promise<unknown> {
  if (!isApiCall(name)) throw new Error(`unknown call ${JSON.stringify(name)}`);
  const v = validateCallArgs(name, args);
  if (!v.ok) throw new Error(v.message);
  const fn = host[name] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(host, v.args as unknown[]);
}
