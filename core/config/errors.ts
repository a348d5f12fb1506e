/**
 * Config errors carry their position so every surface (CLI, admin API, UI
 * editor) prints the same `file:line:col: message`.
 */

/** One problem in a config document, located in the source text. */
export interface ConfigError {
  file: string;
  /** 1-based line and column; 0 when the error has no position (e.g. an empty file). */
  line: number;
  col: number;
  /** Dotted path into the document (`http.servers[0].listen`), '' for the root. */
  path: string;
  message: string;
}

/** `file:line:col: message`, the one way errors are printed. */
export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}

/** Renders a path the way users read it: `http.servers[0].routes[1].limit`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}
