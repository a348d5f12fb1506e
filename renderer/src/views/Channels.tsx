/** Channels: connected clients per SSE channel, a publish form, and recent events (polled once a second). */
import { useEffect, useState } from 'react';
import type { ChannelInfo } from '../../../core/api/index.js';
import { api } from '../api.js';
import { fmtClock } from '../format.js';
import { ui } from '../state.js';

/** The Channels view. */
export function Channels() {
  const [channels, setChannels] = useState<ChannelInfo[]>([]);
  const [name, setName] = useState('');
  const [event, setEvent] = useState('');
  const [data, setData] = useState('');
  const [id, setId] = useState('');
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    let alive = true;
    const poll = async () => {
      const c = await api.getChannels().catch(() => []);
      if (alive) setChannels(c);
    };
    void poll();
    const t = setInterval(() => void poll(), 1000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [refresh]);
  const target = name || channels[0]?.name || '';
  const publish = async () => {
    try {
      const r = await api.publish(target, { data, event: event || undefined, id: id || undefined });
      ui.getState().notify('ok', `published id ${r.id} on ${target}`);
      setData('');
      setId('');
      setRefresh((n) => n + 1);
    } catch (e) {
      ui.getState().notify('error', `publish failed: ${(e as Error).message}`);
    }
  };
  return (
    <div className="view channels">
      {channels.length === 0 && (
        <div className="empty">
          <h2>No channels</h2>
          <p>
            Add a route with{' '}
            <code>
              sse: {'{'} channel: NAME {'}'}
            </code>{' '}
            in Config; clients that connect to it appear here and you can publish events to them.
          </p>
        </div>
      )}
      <div className="cards">
        {channels.map((c) => (
          <div className="card" key={c.name} data-testid="channel-card">
            <div className="form-head">
              <h3>{c.name}</h3>
              <span className="badge" data-testid="channel-clients">
                {c.clients} client{c.clients === 1 ? '' : 's'}
              </span>
            </div>
            <p className="muted">
              replay buffer {c.replay} · last id {c.lastId ?? '—'}
            </p>
            <table className="events">
              <thead>
                <tr>
                  <th>time</th>
                  <th>id</th>
                  <th>event</th>
                  <th>data</th>
                </tr>
              </thead>
              <tbody>
                {c.recent
                  .slice(-12)
                  .reverse()
                  .map((e) => (
                    <tr key={e.id}>
                      <td>{fmtClock(e.t)}</td>
                      <td>{e.id}</td>
                      <td>{e.event ?? 'message'}</td>
                      <td className="data">{e.data}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
      {channels.length > 0 && (
        <form
          className="publish"
          onSubmit={(e) => {
            e.preventDefault();
            void publish();
          }}
        >
          <h3>Publish</h3>
          <select value={target} onChange={(e) => setName(e.target.value)} data-testid="publish-channel">
            {channels.map((c) => (
              <option key={c.name}>{c.name}</option>
            ))}
          </select>
          <input
            placeholder="event (optional)"
            value={event}
            onChange={(e) => setEvent(e.target.value)}
            data-testid="publish-event"
          />
          <input placeholder="id (optional)" value={id} onChange={(e) => setId(e.target.value)} />
          <textarea
            placeholder="data"
            rows={2}
            value={data}
            onChange={(e) => setData(e.target.value)}
            data-testid="publish-data"
          />
          <button className="primary" type="submit" data-testid="publish">
            Publish
          </button>
        </form>
      )}
    </div>
  );
}
