/**
 * Who writes "is the engine running" in the UI: one tracker fed by the
 * engine's `state` events and by the first getConfig answer. The answer only
 * seeds the value; once an event arrived it is the newer truth, so a slow
 * answer cannot overwrite it. Start, Stop and Apply never set it themselves.
 */

/** Where the tracker writes (the UI store's setState). */
export interface RunningSink {
  setState(patch: { running: boolean }): void;
}

/** The tracker: `event` for every `state` event, `initial` for the getConfig answer. */
export function engineStateTracker(sink: RunningSink) {
  let fromEvent = false;
  return {
    event: (s: { running: boolean }) => {
      fromEvent = true;
      sink.setState({ running: s.running });
    },
    initial: (running: boolean) => {
      if (!fromEvent) sink.setState({ running });
    },
  };
}
