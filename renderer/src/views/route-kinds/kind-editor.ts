/** The editors a route kind has on top of its field table (lists, modes): one entry per kind that needs one. */
import type { ConfigError } from '../../../../core/config/index.js';
import type { Plain } from '../../model/forms.js';

/** Props of a kind's own editor: the kind's body and where its errors live. */
export interface KindEditorProps {
  body: Plain;
  /** Error path of the body (`http.servers[0].routes[1].sse`). */
  prefix: string;
  errors: ConfigError[];
  onChange(body: Plain): void;
}

/** A kind's own editor component. */
export type KindEditor = (props: KindEditorProps) => React.JSX.Element;
