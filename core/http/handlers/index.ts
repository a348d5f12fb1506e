/**
 * Route kind → handler factory. Definitions live in core/config; each
 * implementation lives in its own file here (mockttp's definition/impl split).
 */
import type { RouteKind } from '../../config/index.js';
import type { HandlerFactory } from '../handler.js';
import { createRespondHandler } from './respond.js';
import { createSseHandler } from './sse.js';
import { createStaticHandler } from './static.js';
import { createChunkedHandler } from './chunked.js';
import { createStreamHandler } from './stream.js';
import { createUploadHandler } from './upload.js';
import { createProxyHandler } from './proxy.js';
import { createLlmHandler } from '../../llm/route.js';

export const HANDLERS: Record<RouteKind, HandlerFactory> = {
  respond: createRespondHandler,
  static: createStaticHandler,
  chunked: createChunkedHandler,
  stream: createStreamHandler,
  upload: createUploadHandler,
  sse: createSseHandler,
  proxy: createProxyHandler,
  llm: createLlmHandler,
};
