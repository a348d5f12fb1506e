/**
 * The traffic view's word on connections: the protocol column (`h2`,
 * `h1.1`, marked TLS when the client came over TLS) and, in the detail pane, the
 * client connection's TLS and the upstream server's certificate (HTTPS
 * upstreams): who it was issued to and by, its names and dates, and whether
 * it verified.
 */
import type { ExchangeDetail, ExchangeSummary, TlsSummary } from '../../../core/api/index.js';
import { protocolLabel } from '../model/traffic.js';

/** The protocol cell of a traffic row. */
export function ProtocolCell({ r }: { r: ExchangeSummary }) {
  return (
    <span className="proto" title={r.tlsVersion ? `${r.protocol} over ${r.tlsVersion}` : r.protocol}>
      {protocolLabel(r)}
    </span>
  );
}

function Rows({ rows }: { rows: [string, string | undefined][] }) {
  return (
    <table className="kv tls-summary">
      <tbody>
        {rows
          .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
          .map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{v}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function UpstreamCertificate({ tls }: { tls: TlsSummary }) {
  const c = tls.certificate;
  return (
    <Rows
      rows={[
        ['TLS', [tls.protocol, tls.cipher].filter(Boolean).join(' · ')],
        ['verified', tls.authorized ? 'yes' : `no${tls.authorizationError ? ` (${tls.authorizationError})` : ''}`],
        ['subject', c?.subject],
        ['issuer', c?.issuer],
        ['names', c?.altNames.join(', ')],
        ['valid', c ? `${c.validFrom.slice(0, 10)} → ${c.validTo.slice(0, 10)}` : undefined],
        ['SHA-256', c?.fingerprint256],
      ]}
    />
  );
}

/** The detail pane's connection section: client protocol and TLS, and the upstream's certificate. */
export function ConnectionTls({ d }: { d: ExchangeDetail }) {
  if (!d.protocol && !d.tls && !d.upstreamTls) return null;
  return (
    <div data-testid="traffic-tls">
      <h4>Connection</h4>
      <Rows
        rows={[
          ['protocol', d.protocol],
          ['client TLS', d.tls ? `${d.tls.version} · ${d.tls.cipher}` : undefined],
          ['server name', d.tls?.serverName],
        ]}
      />
      {d.upstreamTls && (
        <>
          <h4>Upstream certificate</h4>
          <UpstreamCertificate tls={d.upstreamTls} />
        </>
      )}
    </div>
  );
}
