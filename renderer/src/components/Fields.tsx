/** Form building blocks shared by the config forms: a grid of fields over one object, an optional section, inline errors. */
import type { ConfigError } from '../../../core/config/index.js';
import { writeField, type FieldSpec, type Plain } from '../model/forms.js';
import { Field } from './Field.js';

/** The message of the first error exactly at `path` (without the repeated path prefix). */
export function errorAt(errors: ConfigError[], path: string): string | undefined {
  const e = errors.find((x) => x.path === path);
  return e ? e.message.replace(`${path}: `, '') : undefined;
}

/** Props of a field grid. */
export interface FieldsProps {
  specs: FieldSpec[];
  obj: Plain | undefined;
  /** Error path of `obj` (`http.servers[0].routes[1].sse`). */
  prefix: string;
  errors: ConfigError[];
  onChange(o: Plain): void;
  /** Options for selects whose options come from the document (upstream names). */
  options?: Record<string, string[]>;
}

/** A grid of fields over one object, errors looked up under `prefix`. */
export function Fields({ specs, obj, prefix, errors, onChange, options }: FieldsProps) {
  return (
    <div className="fields">
      {specs.map((s) => (
        <Field
          key={s.key}
          spec={s}
          obj={obj}
          options={options?.[s.key]}
          testId={`${prefix}.${s.key}`.replace(/[^\w.-]/g, '_')}
          error={errorAt(errors, `${prefix}.${s.key}`)}
          onChange={(v) => onChange(writeField(obj, s, v))}
        />
      ))}
    </div>
  );
}

/** A fieldset switched on and off by a checkbox (an optional section such as a limit). */
export function Optional({
  title,
  obj,
  onToggle,
  children,
  testId,
}: {
  title: string;
  obj: unknown;
  onToggle(on: boolean): void;
  children: React.ReactNode;
  testId: string;
}) {
  return (
    <fieldset className="optional">
      <legend>
        <label>
          <input
            type="checkbox"
            data-testid={testId}
            checked={obj !== undefined}
            onChange={(e) => onToggle(e.target.checked)}
          />{' '}
          {title}
        </label>
      </legend>
      {obj !== undefined && children}
    </fieldset>
  );
}

/** A copy of `o` without `key`. */
export function withoutKey(o: Plain, key: string): Plain {
  const { [key]: _drop, ...rest } = o;
  return rest;
}
