/** Placeholder for a route kind whose handler has not landed yet: a clear 501, never a crash. */
import type { HandlerFactory } from '../handler.js';
import { sendText } from '../handler.js';

export function notImplemented(kind: string): HandlerFactory {
  return (route) => ({
    async handle(ex) {
      sendText(ex, 501, `route kind "${kind}" (${route.path}) is not implemented in this build`);
    },
  });
}
