/**
 * How to trust a `tls: {}` listener: Sluice's local CA file for Node
 * (NODE_EXTRA_CA_CERTS) and curl (--cacert), ready to copy, and a button
 * that starts Chromium or Chrome trusting the CA with a throwaway profile.
 * Paths are on the machine running Sluice, which in browser mode may not be
 * the one showing this page: the panel says so.
 */
import { useEffect, useState } from 'react';
import type { CaInfo } from '../../../core/api/index.js';
import { api, desktop } from '../api.js';
import { ui } from '../state.js';

/** One line to copy: shown read-only, copied on click. */
function CopyLine({ label, text, testId }: { label: string; text: string; testId: string }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      ui.getState().notify('ok', `copied: ${text}`);
    } catch {
      ui.getState().notify('error', 'the clipboard is not available here: select the text and copy it');
    }
  };
  return (
    <div className="copy-line">
      <span className="field-label">{label}</span>
      <input readOnly value={text} data-testid={testId} onFocus={(e) => e.target.select()} />
      <button onClick={() => void copy()}>Copy</button>
    </div>
  );
}

/** The trust panel of an HTTPS listener at `url`. */
export function HttpsTrust({ url }: { url: string }) {
  const [ca, setCa] = useState<CaInfo>();
  const [problem, setProblem] = useState<string>();
  const [launching, setLaunching] = useState(false);
  useEffect(() => {
    let alive = true;
    void api
      .getCaInfo()
      .then((r) => alive && (r.ok ? setCa(r.ca) : setProblem(r.message)))
      .catch((err: Error) => alive && setProblem(err.message));
    return () => {
      alive = false;
    };
  }, []);
  const open = async () => {
    setLaunching(true);
    try {
      const r = await api.openTrustedBrowser(url);
      if (r.ok) ui.getState().notify('ok', `started ${r.browser} (profile ${r.profile}) at ${url}`);
      else ui.getState().notify('error', r.message);
    } catch (err) {
      ui.getState().notify('error', (err as Error).message);
    } finally {
      setLaunching(false);
    }
  };
  return (
    <fieldset className="https-trust" data-testid="https-trust">
      <legend>Trust Sluice's local CA</legend>
      {problem && <p className="field-error">{problem}</p>}
      {ca && (
        <>
          <CopyLine label="CA certificate" text={ca.certPath} testId="ca-path" />
          <CopyLine label="Node.js" text={`NODE_EXTRA_CA_CERTS=${ca.certPath}`} testId="ca-node" />
          <CopyLine label="curl" text={`curl --cacert ${ca.certPath} ${url}`} testId="ca-curl" />
          <div className="trust-actions">
            <button data-testid="open-trusted-browser" disabled={launching} onClick={() => void open()}>
              Open a browser that trusts Sluice
            </button>
            <span className="muted">
              {desktop
                ? 'Chromium or Chrome with a throwaway profile; your own profile is not touched.'
                : 'Starts Chromium or Chrome on the machine running Sluice (which may not be this one), with a throwaway profile.'}
            </span>
          </div>
        </>
      )}
    </fieldset>
  );
}
