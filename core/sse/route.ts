/**
 * `sse`: Server-Sent Events routes. A channel route subscribes the client to
 * a hub channel (replay on `Last-Event-ID`, heartbeats, `max_clients`); a
 * script or scenario route plays its steps for each connection.
 */
import type { RouteConfig, SseConfig } from '../config/index.js';
import type { Exchange, HandlerFactory, RouteHandler } from '../kernel/index.js';
import { atEnd, DONE, resetExchange, sendText, untilAborted } from '../kernel/index.js';
import { SluiceError } from '../util/errors.js';
import { streamNotes, type ExchangeRecord } from '../telemetry/exchange-record.js';
import { compileTemplate } from '../util/template.js';
import { GAP_EVENT, type Channel } from './channel.js';
import { SseClient } from './client.js';
import { encodeEvent } from './encoder.js';
import { startHeartbeat } from './heartbeat.js';
import type { SseHub } from './hub.js';
import { describeScenario, scenarioSteps } from './scenarios.js';
import { ScriptPlayer, scriptSteps, type PlayOutcome, type PlayStep, type ScriptSink } from './script-player.js';
import { lastEventId, openStream, sendRetry } from './stream.js';

/** Sends what a reconnecting client missed (a gap notice first when the ring no longer has it all) and notes it on the record. */
function replayMissed(ch: Channel, client: SseClient, last: string, rec: ExchangeRecord): void {
  const missed = ch.missedSince(last);
  streamNotes(rec).resume = { from: last, replayed: missed.events.length, missed: missed.lost };
  if (missed.gap) {
    const data = JSON.stringify({
      lastEventId: last,
      oldestId: missed.events[0]?.id ?? null,
      channel: ch.name,
      replay: ch.replay,
    });
    client.deliver({ event: GAP_EVENT, data, bytes: encodeEvent({ event: GAP_EVENT, data }) });
  }
  for (const ev of missed.events) client.deliver(ev);
}

function channelHandler(cfg: SseConfig, hub: SseHub): RouteHandler {
  const name = cfg.channel!;
  return {
    // Not async, and nothing awaited: an idle subscriber is its SseClient (the exchange's end listener), no frame or promise.
    handle(ex) {
      const ch = hub.channel(name);
      if (!ch) throw new SluiceError('E_UNKNOWN_CHANNEL', `unknown channel "${name}"`);
      if (ch.clientCount >= cfg.max_clients) {
        sendText(
          ex,
          503,
          `channel "${name}" is full: ${cfg.max_clients} clients connected (max_clients); try again later`,
          { 'retry-after': '5' },
        );
        return DONE;
      }
      openStream(ex);
      if (ex.req.method === 'HEAD') return ex.outlet.end();
      const client = new SseClient(ex, cfg.queue, ch.counterList, ch);
      sendRetry(client, cfg);
      const last = lastEventId(ex.req, ex.query);
      if (last !== undefined) replayMissed(ch, client, last, ex.record);
      ch.subscribe(client);
      client.joinHeartbeat(startHeartbeat(client, cfg.heartbeat, ex.services.clock));
      // Ends with its exchange: leaves the channel and the heartbeat, and ends cleanly (a draining listener) so clients reconnect.
      atEnd(ex, client);
      return DONE;
    },
    explain: () =>
      `SSE channel "${name}": replays the last ${cfg.replay} events on reconnect, heartbeat every ${cfg.heartbeat} ms, up to ${cfg.max_clients} clients`,
  };
}

/** The steps one connection plays: the config script or a fresh scenario generator, looped when asked. */
function* connectionSteps(cfg: SseConfig, ex: Exchange): Generator<PlayStep> {
  if (cfg.script) return yield* scriptSteps(cfg.script, cfg.loop);
  const request = { query: ex.query, headers: ex.req.headers };
  const render = (text: string) => compileTemplate(text).render({ ...request, seq: 1 });
  do {
    let any = false;
    for (const step of scenarioSteps(cfg.scenario!, { rng: Math.random, now: Date.now, render })) {
      any = true;
      yield step;
    }
    if (!any) return;
  } while (cfg.loop);
}

/** Ends the response the way the playback ended. */
async function finish(ex: Exchange, client: SseClient | undefined, outcome: PlayOutcome): Promise<void> {
  switch (outcome) {
    case 'done':
    case 'close':
      if (!client) return ex.outlet.end();
      await client.idle();
      client.end();
      return;
    case 'stall':
      await untilAborted(ex.signal);
      client?.end();
      return;
    case 'reset': {
      client?.dispose();
      resetExchange(ex);
      ex.record.outcome = 'aborted';
      return;
    }
    case 'aborted':
      client?.end();
      return;
    default:
      client?.dispose();
  }
}

function scriptHandler(cfg: SseConfig): RouteHandler {
  return {
    async handle(ex) {
      let client: SseClient | undefined;
      const sink: ScriptSink = {
        respond: (status, body) => sendText(ex, status, body),
        open: () => {
          openStream(ex);
          const c = new SseClient(ex, cfg.queue);
          client = c;
          // A client gone while the script waits for its queue to drain must wake the script.
          ex.signal.addEventListener('abort', () => c.dispose(), { once: true });
          sendRetry(c, cfg);
          c.joinHeartbeat(startHeartbeat(c, cfg.heartbeat, ex.services.clock));
        },
        event: (ev) => client!.deliver(ev),
        raw: (buf) => client!.send(buf),
        ready: () => client!.idle(),
      };
      if (ex.req.method === 'HEAD') {
        openStream(ex);
        return ex.outlet.end();
      }
      const player = new ScriptPlayer({
        clock: ex.services.clock,
        signal: ex.signal,
        sink,
        template: { query: ex.query, headers: ex.req.headers },
      });
      try {
        const outcome = await player.play(connectionSteps(cfg, ex));
        client?.leave();
        await finish(ex, client, outcome);
      } finally {
        client?.leave();
        client?.dispose();
      }
    },
    explain: () =>
      cfg.script
        ? `plays a ${cfg.script.length}-step SSE script per connection${cfg.loop ? ', looping' : ''}`
        : describeScenario(cfg.scenario!),
  };
}

/** The `sse` route kind over the engine's channel hub. */
export function sseRoute(hub: SseHub): HandlerFactory {
  return (route: RouteConfig) => {
    const cfg = route.sse!;
    return cfg.channel !== undefined ? channelHandler(cfg, hub) : scriptHandler(cfg);
  };
}
