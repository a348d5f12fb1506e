/**
 * `sluice client URL [-X POST] [-d @body.json | -d '{…}'] [-H 'Name: value']… [--json]
 *   [--max-events N] [--reconnect N] [--insecure] [--cacert FILE] [--max-event-size SIZE]`:
 * subscribes to a stream and prints each event as it arrives. Exit 0 when the
 * stream ended cleanly (or --max-events was reached, or Ctrl-C); 1 with a
 * one-line reason on an HTTP error, a TLS error, a body that is no stream or
 * a lost connection; 2 for bad arguments.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ClientRequest, ClientSummary } from '../api/client.js';
import { parseSize } from '../config/units.js';
import { jsonPrinter, textPrinter, type PrintTarget, type SessionPrinter } from '../client/print.js';
import { ClientFailure } from '../client/request.js';
import { ClientSession } from '../client/session.js';

/** Options as commander hands them over. */
export interface ClientCliOptions {
  request?: string;
  data?: string;
  header: string[];
  json?: boolean;
  maxEvents?: string;
  reconnect?: string;
  insecure?: boolean;
  cacert?: string;
  maxEventSize?: string;
}

function readArg(what: string, file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new ClientFailure(
      'usage',
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function count(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ClientFailure('usage', `${flag} needs a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** Turns command-line options into a request; a bad option is a 'usage' failure. */
export function requestFromArgs(url: string, o: ClientCliOptions): ClientRequest {
  const headers = o.header.map((h): [string, string] => {
    const i = h.indexOf(':');
    if (i <= 0) throw new ClientFailure('usage', `-H needs "Name: value", got ${JSON.stringify(h)}`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  });
  const body =
    o.data === undefined ? undefined : o.data.startsWith('@') ? readArg('the body file', o.data.slice(1)) : o.data;
  const size = o.maxEventSize === undefined ? undefined : parseSize(o.maxEventSize);
  if (o.maxEventSize !== undefined && !(size && size >= 1024))
    throw new ClientFailure(
      'usage',
      `--max-event-size needs a size of at least 1k (e.g. 4m), got ${JSON.stringify(o.maxEventSize)}`,
    );
  return {
    url,
    method: o.request,
    headers,
    body,
    maxEvents: count('--max-events', o.maxEvents, 1),
    reconnect: count('--reconnect', o.reconnect, 0),
    insecure: o.insecure === true,
    ca: o.cacert !== undefined ? readArg('the CA file', o.cacert) : undefined,
    maxEventSize: size,
  };
}

/** The process exit code of a finished session. */
export function exitCode(s: ClientSummary): number {
  return s.state === 'failed' ? 1 : 0;
}

const stdio: PrintTarget = {
  out: (l) => {
    process.stdout.write(`${l}\n`);
  },
  err: (l) => {
    process.stderr.write(`${l}\n`);
  },
};

/** Runs one session, printing as it goes; resolves with the exit code. */
export async function runClient(url: string, o: ClientCliOptions, to: PrintTarget = stdio): Promise<number> {
  let session: ClientSession;
  let print: SessionPrinter;
  try {
    const request = requestFromArgs(url, o);
    print = o.json ? jsonPrinter(to) : textPrinter(to);
    session = new ClientSession(request, {
      connection: (c) => print.connection(c),
      event: (e) => print.event(e),
      reconnect: (r) => print.reconnect(r),
    });
  } catch (err) {
    if (!(err instanceof ClientFailure)) throw err;
    to.err(`sluice client: ${err.message}`);
    return 2;
  }
  const stop = () => session.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that went away (`| head`) ends the session instead of failing every write.
  process.stdout.once('error', stop);
  try {
    const summary = await session.run();
    print.summary(summary);
    return exitCode(summary);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', stop);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Registers `sluice client`. */
export function installClient(program: Command): void {
  program
    .command('client')
    .description(
      'subscribe to a stream (SSE, NDJSON or chunked lines) and print each event as it arrives, with its timing; reconnects like EventSource and reports id gaps, duplicates and why a stream does not stream',
    )
    .argument('<url>', 'http:// or https:// URL')
    .option('-X, --request <method>', 'HTTP method (default GET, or POST with -d)')
    .option('-d, --data <data>', 'request body; @FILE reads a file, @- standard input')
    .option('-H, --header <header>', '"Name: value" request header (repeatable)', collect, [])
    .option('--json', 'one JSON object per line: events, reconnects, then a summary')
    .option('-n, --max-events <n>', 'stop after N events (exit 0)')
    .option(
      '--reconnect <n>',
      'reconnects allowed (default: GET event streams reconnect like EventSource, others never)',
    )
    .option('-k, --insecure', 'accept any TLS certificate')
    .option('--cacert <file>', "trust this CA certificate (PEM) besides the system's")
    .option('--max-event-size <size>', 'largest line or event kept while it arrives (default 1m)')
    .action(async (url: string, opts: ClientCliOptions) => {
      process.exitCode = await runClient(url, opts);
    });
}
