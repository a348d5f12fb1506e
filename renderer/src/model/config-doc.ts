/**
 * The config editor's store: the source text (the one truth), its validation
 * with the same loadConfig the CLI uses, and what was last saved/applied so
 * the UI can guard unsaved changes. Forms edit through `edit()`, which maps
 * the change back into the text with updateConfigText (comments kept).
 */
import { createStore } from 'zustand/vanilla';
import { parse } from 'yaml';
import { loadConfig, updateConfigText, type ConfigError, type SluiceConfig } from '../../../core/config/index.js';
import type { Plain } from './forms.js';

/** The editor's document state. */
export interface ConfigDocState {
  text: string;
  file?: string;
  /** Text as last saved to / opened from disk. */
  savedText: string;
  /** Text the engine last applied successfully. */
  appliedText: string;
  errors: ConfigError[];
  /** The validated config, when the text is valid. */
  config?: SluiceConfig;
  /** The document as written (YAML's plain value), when it parses; forms read this. */
  value?: Plain;
}

/** Validates text exactly as the CLI does (same messages, same positions). */
export function validateText(text: string, file = 'config.yaml'): Pick<ConfigDocState, 'errors' | 'config' | 'value'> {
  const r = loadConfig(text, file);
  let value: Plain | undefined;
  try {
    const v: unknown = parse(text);
    value = v && typeof v === 'object' && !Array.isArray(v) ? (v as Plain) : v == null ? {} : undefined;
  } catch {
    value = undefined;
  }
  return r.ok ? { errors: [], config: r.config, value } : { errors: r.errors, config: undefined, value };
}

/** Applies a form change to text: the mutator gets a deep copy of the document value. */
export function editText(text: string, mutate: (draft: Plain) => void): string {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return text; // the YAML tab must fix syntax first; forms are disabled meanwhile
  }
  const draft = structuredClone(value && typeof value === 'object' ? value : {}) as Plain;
  mutate(draft);
  return updateConfigText(text, draft);
}

/** A starter document for File → New. */
export const NEW_CONFIG = `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:8080
      routes:
        - path: /health
          respond: { status: 200, body: ok }
`;

/** A starter with one of each streaming kind, for the dashboard's empty state. */
export const EXAMPLE_CONFIG = `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:8080
      routes:
        - path: /ticker              # an SSE stream played per connection
          sse:
            script:
              - { event: tick, data: '{"n": {{seq}}}', every: 1s, repeat: 30 }
              - { event: complete, data: done }
        - path: /notifications       # a channel you publish to from the Channels view
          sse: { channel: notifications }
        - path: /chunked
          chunked: { chunks: ["start\\n", "working\\n", "done\\n"], delay: 500ms }
        - path: /feed                # a slow download: tune it in the Rate tuner
          stream: { format: ndjson, every: 10ms, count: 5000 }
          limit: { rate: 64k }
        - path: /health
          respond: { status: 200, body: ok }
`;

/** Creates the config store. */
export function createConfigStore() {
  return createStore<
    ConfigDocState & {
      setText(text: string): void;
      edit(mutate: (draft: Plain) => void): void;
      load(text: string, file: string | undefined, applied: boolean): void;
      markSaved(file: string): void;
      markApplied(): void;
      dirty(): boolean;
    }
  >()((set, get) => ({
    text: '',
    savedText: '',
    appliedText: '',
    errors: [],
    setText: (text) => set({ text, ...validateText(text, get().file) }),
    edit: (mutate) => {
      const text = editText(get().text, mutate);
      set({ text, ...validateText(text, get().file) });
    },
    load: (text, file, applied) =>
      set({
        text,
        file,
        savedText: text,
        appliedText: applied ? text : get().appliedText,
        ...validateText(text, file),
      }),
    markSaved: (file) => set((s) => ({ file, savedText: s.text })),
    markApplied: () => set((s) => ({ appliedText: s.text })),
    dirty: () => get().text !== get().savedText,
  }));
}
