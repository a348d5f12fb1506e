/** One form field driven by a FieldSpec (text, number, size, duration, bool, select, textarea) with its inline error. */
import type { FieldSpec, Plain } from '../model/forms.js';
import { readField } from '../model/forms.js';

/** Props of one form field. */
export interface FieldProps {
  spec: FieldSpec;
  obj: Plain | undefined;
  onChange(value: string | boolean): void;
  error?: string;
  /** Options for selects whose options come from the document (upstream names). */
  options?: readonly string[];
  testId?: string;
}

/** Renders a field by its spec: label, input and the inline error. */
export function Field({ spec, obj, onChange, error, options, testId }: FieldProps) {
  const value = readField(obj, spec);
  const id = testId ?? `f-${spec.key}`;
  let input;
  if (spec.type === 'bool') {
    input = (
      <input
        id={id}
        data-testid={id}
        type="checkbox"
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  } else if (spec.type === 'select') {
    const opts = options ?? spec.options ?? [];
    const list = opts.includes(String(value)) || value === '' ? opts : [String(value), ...opts];
    input = (
      <select id={id} data-testid={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {!list.includes('') && <option value="">—</option>}
        {list.map((o) => (
          <option key={o} value={o}>
            {o === '' ? '—' : o}
          </option>
        ))}
      </select>
    );
  } else if (spec.type === 'textarea') {
    input = (
      <textarea
        id={id}
        data-testid={id}
        value={String(value)}
        rows={3}
        placeholder={spec.placeholder}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    input = (
      <input
        id={id}
        data-testid={id}
        type="text"
        value={String(value)}
        placeholder={spec.placeholder}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <label className={`field${error ? ' invalid' : ''}`} htmlFor={id}>
      <span className="field-label">{spec.label}</span>
      {input}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}
