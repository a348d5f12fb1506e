/**
 * Config file and engine actions shared by the Config view, the toolbar and
 * the Electron menu: New, Open, Save, Save As, Apply (with the plan shown
 * first), each guarding unsaved changes.
 */
import { createStore } from 'zustand/vanilla';
import type { ApplyPlan } from '../../../core/config/index.js';
import { api, desktop } from '../api.js';
import { NEW_CONFIG } from '../model/config-doc.js';
import { configDoc, ui } from '../state.js';

/** The pending apply: the plan the user confirms before it runs. */
export const applyDialog = createStore<{ plan?: ApplyPlan; changes?: string[]; text?: string; busy: boolean }>()(
  () => ({ busy: false }),
);

/** Asks before discarding unsaved edits. */
export function confirmDiscard(): boolean {
  return !configDoc.getState().dirty() || window.confirm('The config has unsaved changes. Discard them?');
}

/** File → New: a starter document (after the unsaved-changes guard). */
export function newConfig(): void {
  if (!confirmDiscard()) return;
  configDoc.getState().load(NEW_CONFIG, undefined, false);
  configDoc.setState({ savedText: '' });
  ui.getState().setView('config');
}

/** Loads text opened from a file (menu, dialog or browser file input). */
export function openText(text: string, file: string | undefined): void {
  if (!confirmDiscard()) return;
  configDoc.getState().load(text, file, false);
  ui.getState().notify('ok', `opened ${file ?? 'file'} — press Apply to run it`);
  ui.getState().setView('config');
}

/** Open: the native dialog in Electron; in browser mode the caller shows a file input. */
export async function openDialog(): Promise<boolean> {
  if (!desktop) return false;
  const r = await desktop.openFile();
  if (r) openText(r.text, r.file);
  return true;
}

/** Saves to `file` (or the current file); without one, asks for a path. */
export async function save(file?: string): Promise<void> {
  const s = configDoc.getState();
  const target = file ?? s.file ?? (await askPath());
  if (!target) return;
  const r = await api.saveConfig(s.text, target);
  if (r.ok) {
    configDoc.getState().markSaved(r.file);
    ui.getState().notify('ok', `saved ${r.file}`);
  } else ui.getState().notify('error', `save failed: ${r.message}`);
}

async function askPath(): Promise<string | undefined> {
  const current = configDoc.getState().file;
  if (desktop) return (await desktop.chooseSavePath(current)) ?? undefined;
  return (
    window.prompt('Save the config to this path (on the machine running Sluice):', current ?? 'sluice.yaml') ??
    undefined
  );
}

/** File → Save As: asks for a path, then saves there. */
export async function saveAs(): Promise<void> {
  const target = await askPath();
  if (target) await save(target);
}

/** Step 1 of Apply: validate and show the plan. */
export async function previewApply(): Promise<void> {
  const text = configDoc.getState().text;
  const v = await api.validateConfig(text);
  if (!v.ok) {
    ui.getState().notify('error', `not applied: ${v.errors.length} error(s) — see the list below the editor`);
    return;
  }
  applyDialog.setState({ plan: v.plan, changes: v.changes, text, busy: false });
}

/** Step 2 of Apply: run it. */
export async function confirmApply(): Promise<void> {
  const text = applyDialog.getState().text ?? configDoc.getState().text;
  applyDialog.setState({ busy: true });
  const r = await api.applyConfig(text).catch((e: Error) => ({ ok: false as const, message: e.message, errors: [] }));
  applyDialog.setState({ plan: undefined, text: undefined, busy: false });
  if (r.ok) {
    configDoc.getState().markApplied();
    ui.getState().notify('ok', r.changes.length ? `applied: ${r.changes.join('; ')}` : 'applied: no changes');
  } else ui.getState().notify('error', `apply failed: ${r.message}`);
}

/** Applies text immediately (the rate tuner's live apply); returns the error message if any. */
export async function applyNow(text: string): Promise<string | undefined> {
  const r = await api.applyConfig(text).catch((e: Error) => ({ ok: false as const, message: e.message, errors: [] }));
  if (!r.ok) return r.message;
  configDoc.getState().setText(text);
  configDoc.getState().markApplied();
  return undefined;
}
