/**
 * The probe interface active health checks plug into. A probe checks one
 * address once; HTTP, TCP and UDP probes each live in their own file.
 */

/** Checks one server once: resolves when healthy, rejects with a one-line reason otherwise. */
export interface Probe {
  check(address: string, signal: AbortSignal): Promise<void>;
  /** One sentence, e.g. `GET /health expecting 2xx/3xx`. */
  explain(): string;
}

/** A failed probe; `message` is the one-line reason shown to users. */
export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Turns an abort/timeout/socket error into a short reason. */
export function probeReason(err: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  if (err instanceof Error) return err.message;
  return String(err);
}
