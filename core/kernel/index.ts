/** The engine's contracts: what listeners, route kinds, stages and modules agree on. Nothing here knows a feature. */
export type { EngineModule, EngineServices, LogEntry } from './services.js';
export type { Listener, ListenerFactory, ListenerKinds } from './listener.js';
export type {
  EndListener,
  Exchange,
  ExchangeHook,
  ExchangeRequest,
  ExchangeResponse,
  Http2ExchangeResponse,
  LinkHook,
  LinkTarget,
  Outlet,
} from './exchange.js';
export type { HandlerContext, HandlerFactory, RouteHandler, RouteKinds, UpgradeRequest } from './route.js';
export type { ChunkInfo, Stage, StageTarget } from './stage.js';
export { atEnd, hasEnded, untilAborted, untilEnded } from './exchange-end.js';
export { DONE } from './route.js';
export { refuseMethod, sendText } from './respond.js';
export {
  closeConnectionAfter,
  dropExchange,
  isHttp2,
  resetExchange,
  wireProtocol,
  type WireProtocol,
} from './transport.js';
