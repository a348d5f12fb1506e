/**
 * The TLS parts of the config editor: a server's HTTPS section (local CA or
 * certificate files, HTTP/2, streams per connection, and the trust panel)
 * and an upstream's HTTPS section (server name, verification, extra CA).
 */
import type { ConfigError } from '../../../core/config/index.js';
import { httpsUrlOf, SERVER_H2_FIELDS, SERVER_TLS_FIELDS, UPSTREAM_TLS_FIELDS, type Plain } from '../model/forms.js';
import { HttpsTrust } from './HttpsTrust.js';
import { Fields, Optional } from '../components/Fields.js';

interface SectionProps {
  obj: Plain;
  prefix: string;
  errors: ConfigError[];
  onChange(o: Plain): void;
}

function without(o: Plain, ...keys: string[]): Plain {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

/** A server's HTTPS section: off is plain HTTP; on with no files uses a certificate from the local CA. */
export function ServerTlsSection({ obj, prefix, errors, onChange }: SectionProps) {
  const tls = obj.tls as Plain | undefined;
  const localCa = tls !== undefined && tls.cert === undefined;
  return (
    <Optional
      title="HTTPS (TLS)"
      testId="server-tls-toggle"
      obj={tls}
      onToggle={(on) => onChange(on ? { ...obj, tls: {} } : without(obj, 'tls', 'http2', 'max_concurrent_streams'))}
    >
      <Fields
        specs={SERVER_TLS_FIELDS}
        obj={tls}
        prefix={`${prefix}.tls`}
        errors={errors}
        onChange={(t) => onChange({ ...obj, tls: t })}
      />
      <Fields specs={SERVER_H2_FIELDS} obj={obj} prefix={prefix} errors={errors} onChange={onChange} />
      {localCa && <HttpsTrust url={httpsUrlOf(obj.listen)} />}
    </Optional>
  );
}

/** An upstream's HTTPS section: the proxy reaches its servers over TLS. */
export function UpstreamTlsSection({ obj, prefix, errors, onChange }: SectionProps) {
  return (
    <Optional
      title="HTTPS to the servers"
      testId="upstream-tls-toggle"
      obj={obj.tls}
      onToggle={(on) => onChange(on ? { ...obj, tls: {} } : without(obj, 'tls'))}
    >
      <Fields
        specs={UPSTREAM_TLS_FIELDS}
        obj={obj.tls as Plain}
        prefix={`${prefix}.tls`}
        errors={errors}
        onChange={(t) => onChange({ ...obj, tls: t })}
      />
    </Optional>
  );
}
