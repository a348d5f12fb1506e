/**
 * A listener is anything bound to an address: an HTTP server, a TCP or UDP
 * stream server, the admin API. The engine only starts, updates and stops
 * them; the composition root says which factory serves which kind.
 */
import type { ListenerDef } from '../config/index.js';
import type { EngineServices } from './services.js';

/** A bound socket server the engine manages. */
export interface Listener {
  def: ListenerDef;
  /** Binds; rejects with a SluiceError (`127.0.0.1:8080 is already in use`). */
  start(): Promise<void>;
  /**
   * Optional: reads what the next definition needs from outside the config
   * (certificate files) before the apply changes anything; rejects with a
   * one-line reason and the apply fails, the running config kept. Runs for
   * every listener the apply keeps, changed or not.
   */
  prepare?(def: ListenerDef): Promise<void>;
  /** Adopts a changed definition on the same address without dropping open connections. */
  update(def: ListenerDef): void | Promise<void>;
  /** Stops accepting; open connections get until the deadline, then are closed. */
  stop(deadlineMs: number): Promise<void>;
  /** The bound address (real port when configured with port 0). */
  address(): string;
}

/** Builds the listener of one definition. */
export type ListenerFactory = (def: ListenerDef, services: EngineServices) => Listener;

/** Listener kind → factory of that kind's definitions, as the composition root wires it. */
export type ListenerKinds = {
  [K in ListenerDef['kind']]: (def: ListenerDef & { kind: K }, services: EngineServices) => Listener;
};
