/**
 * Each provider's error bodies: the 400 a request the real API would refuse
 * gets, and the in-band error a stream ends with after its 200 (OpenAI's
 * `{"error": …}` chunk, Anthropic's `event: error`, Gemini's `{"error": …}`
 * chunk, the AI SDK's `{"type":"error"}` part).
 */
import type { LlmWireFormat } from '../config/index.js';

/** Provider errors Sluice can produce after the stream started. */
export type InBandKind = 'overloaded' | 'rate_limit' | 'server_error';

/** A refused request: the status and the provider's JSON body. */
export interface RequestError {
  status: number;
  body: unknown;
}

/** The 400 (or 413) of a request the format cannot accept, in that provider's shape. */
export function requestError(
  format: LlmWireFormat,
  message: string,
  opts: { param?: string; status?: number; requestId?: string } = {},
): RequestError {
  const status = opts.status ?? 400;
  switch (format) {
    case 'openai-chat':
    case 'openai-responses':
      return {
        status,
        body: {
          error: {
            message,
            type: 'invalid_request_error',
            param: opts.param ?? null,
            code: opts.param ? 'missing_required_parameter' : null,
          },
        },
      };
    case 'anthropic':
      return {
        status,
        body: {
          type: 'error',
          error: { type: status === 413 ? 'request_too_large' : 'invalid_request_error', message },
          request_id: opts.requestId ?? null,
        },
      };
    case 'gemini':
      return { status, body: { error: { code: status, message, status: 'INVALID_ARGUMENT' } } };
    case 'ai-sdk':
      return { status, body: { error: message } };
  }
}

/** What each in-band kind says, per provider family. */
const OPENAI: Record<InBandKind, { type: string; code: string; message: string }> = {
  overloaded: {
    type: 'server_error',
    code: 'server_overloaded',
    message: 'The server is currently overloaded with other requests. Sorry about that! You can retry your request.',
  },
  rate_limit: {
    type: 'tokens',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for tokens per min (TPM). Please try again in 1s.',
  },
  server_error: {
    type: 'server_error',
    code: 'server_error',
    message: 'The server had an error while processing your request. Sorry about that!',
  },
};
const ANTHROPIC: Record<InBandKind, { type: string; message: string }> = {
  overloaded: { type: 'overloaded_error', message: 'Overloaded' },
  rate_limit: {
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit.',
  },
  server_error: { type: 'api_error', message: 'Internal server error' },
};
const GEMINI: Record<InBandKind, { code: number; status: string; message: string }> = {
  overloaded: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  rate_limit: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  server_error: {
    code: 500,
    status: 'INTERNAL',
    message:
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  },
};

/** The OpenAI error object (`{message, type, param, code}`) of an in-band kind. */
export function openaiError(kind: InBandKind): { message: string; type: string; param: null; code: string } {
  const e = OPENAI[kind];
  return { message: e.message, type: e.type, param: null, code: e.code };
}

/** The Anthropic error object (`{type, message}`) of an in-band kind. */
export function anthropicError(kind: InBandKind): { type: string; message: string } {
  return { ...ANTHROPIC[kind] };
}

/** The Gemini error object (`{code, message, status}`) of an in-band kind. */
export function geminiError(kind: InBandKind): { code: number; message: string; status: string } {
  return { ...GEMINI[kind] };
}

/** The HTTP status and body of an in-band kind when a non-streaming request fails (there is no stream to carry it). */
export function httpError(format: LlmWireFormat, kind: InBandKind, requestId: string): RequestError {
  switch (format) {
    case 'openai-chat':
    case 'openai-responses':
      return {
        status: kind === 'rate_limit' ? 429 : kind === 'overloaded' ? 503 : 500,
        body: { error: openaiError(kind) },
      };
    case 'anthropic':
      return {
        status: kind === 'rate_limit' ? 429 : kind === 'overloaded' ? 529 : 500,
        body: { type: 'error', error: anthropicError(kind), request_id: requestId },
      };
    case 'gemini': {
      const e = geminiError(kind);
      return { status: e.code, body: { error: e } };
    }
    case 'ai-sdk':
      return {
        status: kind === 'rate_limit' ? 429 : kind === 'overloaded' ? 503 : 500,
        body: { error: OPENAI[kind].message },
      };
  }
}
