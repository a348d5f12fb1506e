/**
 * Which stages a stream server's `faults` and `limit` put on each direction
 * of a TCP connection or UDP session: the engine's link hooks decide, in
 * order (faults, then limits). `in` is client → upstream, `out` is upstream →
 * client. A server no hook applies to takes the fast path (relay or pump).
 */
import type { StreamServerConfig } from '../config/index.js';
import type { LinkHook, LinkTarget, Stage } from '../kernel/index.js';
import type { StreamUpstreams } from './upstreams.js';

/** Stages per direction; an empty list selects the fast path. */
export interface DirectionStages {
  in: Stage[];
  out: Stage[];
}

/** What a stream listener needs from the composition root. */
export interface StreamDeps {
  /** The stream upstream groups. */
  upstreams: StreamUpstreams;
  /** Hooks that put stages on links, in order (faults, then limits). */
  hooks: readonly LinkHook[];
}

/** No stages either way. */
export const NO_STAGES: DirectionStages = Object.freeze({ in: [], out: [] }) as unknown as DirectionStages;

/** True when connections of this server need links (not the fast path) in some direction. */
export function needsLinks(hooks: readonly LinkHook[], server: StreamServerConfig): boolean {
  for (const h of hooks) if (h.applies(server)) return true;
  return false;
}

/** The stages of both directions of one connection; `target(dir)` is what a stage of that direction acts on. */
export function linkStages(
  hooks: readonly LinkHook[],
  server: StreamServerConfig,
  target: (dir: 'in' | 'out') => LinkTarget,
): DirectionStages {
  const out: DirectionStages = { in: [], out: [] };
  for (const h of hooks) {
    if (!h.applies(server)) continue;
    out.in.push(...h.linkStages(server, target('in'), 'in'));
    out.out.push(...h.linkStages(server, target('out'), 'out'));
  }
  return out;
}

/** The end of a connection or link as a promise, made only when a stage waits for it. */
export class EndSignal {
  private done = false;
  private waiting: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Resolves once fire() ran. */
  wait(): Promise<void> {
    if (this.done) return Promise.resolve();
    return (this.waiting ??= new Promise<void>((resolve) => {
      this.release = resolve;
    }));
  }

  fire(): void {
    this.done = true;
    this.release?.();
    this.release = undefined;
  }
}
