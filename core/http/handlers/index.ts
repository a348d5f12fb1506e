/**
 * Route kind → handler factory. Definitions live in core/config; each
 * implementation lives in its own file here (mockttp's definition/impl split).
 */
import type { RouteKind } from '../../config/index.js';
import type { HandlerFactory } from '../handler.js';
import { createRespondHandler } from './respond.js';
import { notImplemented } from './not-implemented.js';

export const HANDLERS: Record<RouteKind, HandlerFactory> = {
  respond: createRespondHandler,
  static: notImplemented('static'),
  chunked: notImplemented('chunked'),
  stream: notImplemented('stream'),
  upload: notImplemented('upload'),
  sse: notImplemented('sse'),
  proxy: notImplemented('proxy'),
};
