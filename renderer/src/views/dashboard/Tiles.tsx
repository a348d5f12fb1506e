/** The dashboard's totals: open connections, requests, bytes, SSE events and errors, with their current rates. */
import { Tile } from '../../components/Tile.js';
import { fmtBytes, fmtNum, fmtRate } from '../../format.js';
import { useTelemetry } from '../../state.js';

/** One tile per total, from the latest tick. */
export function Tiles() {
  const t = useTelemetry((s) => s.last?.total);
  return (
    <div className="tiles">
      <Tile testId="tile-active" label="Open connections" value={fmtNum(t?.active ?? 0)} />
      <Tile
        testId="tile-requests"
        label="Requests"
        value={fmtNum(t?.totals.requests ?? 0)}
        sub={`${fmtNum(t?.requestsPerSec ?? 0)}/s`}
      />
      <Tile
        testId="tile-out"
        label="Bytes out"
        value={fmtBytes(t?.totals.bytesOut ?? 0)}
        sub={fmtRate(t?.bytesOutPerSec ?? 0)}
      />
      <Tile
        testId="tile-in"
        label="Bytes in"
        value={fmtBytes(t?.totals.bytesIn ?? 0)}
        sub={fmtRate(t?.bytesInPerSec ?? 0)}
      />
      <Tile
        testId="tile-events"
        label="SSE events"
        value={fmtNum(t?.totals.events ?? 0)}
        sub={`${fmtNum(t?.eventsPerSec ?? 0)}/s`}
      />
      <Tile
        testId="tile-errors"
        label="Errors"
        value={fmtNum(t?.totals.errors ?? 0)}
        sub={`${fmtNum(t?.totals.drops ?? 0)} dropped`}
        tone={(t?.totals.errors ?? 0) > 0 ? 'error' : undefined}
      />
    </div>
  );
}
