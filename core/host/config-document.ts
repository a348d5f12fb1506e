/**
 * The config as the API host keeps it: the user's source text (comments
 * kept) and its file, next to the running config. Validates against what
 * runs (so a validation carries the apply plan), applies through the engine
 * (keeping the last good config on failure), saves atomically.
 */
import type { ApplyResponse, ValidateResult } from '../api/types.js';
import {
  describePlan,
  loadConfig,
  planApply,
  toConfigText,
  type ConfigError,
  type SluiceConfig,
} from '../config/index.js';
import { writeFileAtomic } from '../engine/config-file.js';
import type { Engine } from '../engine/engine.js';

/** One message for a list of config errors. */
export function errorsMessage(errors: ConfigError[]): string {
  return errors.length === 1
    ? `the config has an error: ${errors[0]!.message}`
    : `the config has ${errors.length} errors`;
}

/** Source text + file of the engine's config. */
export class ConfigDocument {
  /** The config object `text` describes; when the engine runs another one (a SIGHUP reload), the text is stale. */
  private textConfig: SluiceConfig | undefined;

  constructor(
    private readonly engine: Engine,
    public file: string | undefined,
    private text: string | undefined,
  ) {
    this.textConfig = text !== undefined ? engine.config : undefined;
  }

  /** The text to show: the user's, unless the engine runs a config applied behind our back (then a rendering of it). */
  current(): string {
    const running = this.engine.config;
    if (this.text !== undefined && (!running || !this.textConfig || running === this.textConfig)) return this.text;
    return running ? toConfigText(running) : (this.text ?? '');
  }

  /** Validates source text; on success also the plan applying it would carry out. */
  validate(source: unknown): ValidateResult & { config?: SluiceConfig } {
    const file = this.file ?? 'config.yaml';
    if (typeof source !== 'string')
      return { ok: false, errors: [{ file, line: 0, col: 0, path: '', message: 'config text must be a string' }] };
    const r = loadConfig(source, file);
    if (!r.ok) return { ok: false, errors: r.errors };
    const plan = planApply(this.engine.config, r.config);
    return { ok: true, errors: [], plan, changes: describePlan(plan), config: r.config };
  }

  /** Validates and applies; the text becomes current only when the engine took it. */
  async apply(source: unknown): Promise<ApplyResponse> {
    const v = this.validate(source);
    if (!v.ok || !v.config) return { ok: false, message: errorsMessage(v.errors), errors: v.errors };
    const r = await this.engine.apply(v.config);
    if (r.ok) {
      this.text = source as string;
      this.textConfig = v.config;
    }
    return r;
  }

  /** Validates, then writes atomically to `target` (or the current file), which becomes the current file. */
  async save(source: unknown, target?: string): Promise<{ ok: true; file: string } | { ok: false; message: string }> {
    const path = target ?? this.file;
    if (!path) return { ok: false, message: 'no file to save to: choose a file name' };
    const v = this.validate(source);
    if (!v.ok) return { ok: false, message: `not saved: ${errorsMessage(v.errors)}` };
    try {
      await writeFileAtomic(path, source as string);
    } catch (err) {
      return { ok: false, message: `could not save ${path}: ${(err as Error).message}` };
    }
    this.file = path;
    return { ok: true, file: path };
  }
}
