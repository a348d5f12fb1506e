/**
 * Config: a visual editor (servers → routes, upstreams, stream servers) and a
 * YAML tab over the same text, kept in sync both ways (forms write through
 * updateConfigText; YAML edits re-validate and re-render the forms). Errors
 * use the CLI's loadConfig, so messages and positions are the same.
 */
import { useRef, useState } from 'react';
import { formatConfigError } from '../../../../core/config/index.js';
import { configDoc, useConfigDoc } from '../../state.js';
import { newConfig, openDialog, openText, previewApply, save, saveAs } from '../config-actions.js';
import { ApplyPlanDialog } from './ApplyPlanDialog.js';
import { ConfigEditor } from './ConfigEditor.js';
import { ConfigTree } from './ConfigTree.js';
import type { Sel } from './doc-helpers.js';

/** The Config view: toolbar, visual/YAML tabs, error list, apply dialog. */
export function ConfigView() {
  const [tab, setTab] = useState<'visual' | 'yaml'>('visual');
  const [sel, setSel] = useState<Sel | undefined>({ t: 'server', s: 0 });
  const text = useConfigDoc((s) => s.text);
  const value = useConfigDoc((s) => s.value);
  const errors = useConfigDoc((s) => s.errors);
  const file = useConfigDoc((s) => s.file);
  const dirty = useConfigDoc((s) => s.text !== s.savedText);
  const pendingApply = useConfigDoc((s) => s.text !== s.appliedText);
  const fileInput = useRef<HTMLInputElement>(null);
  const open = async () => {
    if (!(await openDialog())) fileInput.current?.click();
  };
  return (
    <div className="view config">
      <div className="toolbar">
        <div className="tabs">
          <button className={tab === 'visual' ? 'on' : ''} data-testid="tab-visual" onClick={() => setTab('visual')}>
            Visual
          </button>
          <button className={tab === 'yaml' ? 'on' : ''} data-testid="tab-yaml" onClick={() => setTab('yaml')}>
            YAML
          </button>
        </div>
        <span className="file" title={file}>
          {file ?? 'unsaved config'}
          {dirty ? ' •' : ''}
        </span>
        <span className={`status ${errors.length ? 'bad' : 'good'}`} data-testid="config-status">
          {errors.length ? `${errors.length} error${errors.length > 1 ? 's' : ''}` : 'valid'}
        </span>
        <span className="spacer" />
        <button onClick={newConfig}>New</button>
        <button onClick={() => void open()}>Open…</button>
        <input
          ref={fileInput}
          type="file"
          accept=".yaml,.yml,.json"
          hidden
          data-testid="file-input"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) openText(await f.text(), f.name);
            e.target.value = '';
          }}
        />
        <button data-testid="save" onClick={() => void save()}>
          Save
        </button>
        <button onClick={() => void saveAs()}>Save As…</button>
        <button
          className="primary"
          data-testid="apply"
          disabled={errors.length > 0}
          onClick={() => void previewApply()}
        >
          {pendingApply ? 'Apply…' : 'Apply'}
        </button>
      </div>
      <div className="config-body">
        {tab === 'visual' ? (
          value ? (
            <div className="visual">
              <ConfigTree value={value} sel={sel} setSel={setSel} errors={errors} />
              <ConfigEditor value={value} sel={sel} setSel={setSel} errors={errors} />
            </div>
          ) : (
            <div className="form hint">
              The YAML does not parse; fix it in the YAML tab (the visual editor needs a readable document).
            </div>
          )
        ) : (
          <textarea
            className="yaml"
            data-testid="yaml"
            spellCheck={false}
            value={text}
            onChange={(e) => configDoc.getState().setText(e.target.value)}
          />
        )}
      </div>
      {errors.length > 0 && (
        <ul className="errors" data-testid="config-errors">
          {errors.map((e, i) => (
            <li key={i}>{formatConfigError(e)}</li>
          ))}
        </ul>
      )}
      <ApplyPlanDialog />
    </div>
  );
}
