/** The chunked route body's chunk list, one chunk per line. */
import { chunkLines } from '../../model/forms.js';
import type { KindEditorProps } from './kind-editor.js';

/** Chunks as lines of a textarea (each line is sent with its newline). */
export function ChunkEditor({ body: chunked, onChange }: KindEditorProps) {
  const lines = chunkLines(chunked);
  return (
    <label className="field wide">
      <span className="field-label">Chunks (one per line, \n kept)</span>
      <textarea
        data-testid="chunks"
        rows={4}
        value={lines.map((l) => l.replace(/\n$/, '')).join('\n')}
        onChange={(e) => onChange({ ...chunked, chunks: e.target.value.split('\n').map((l) => `${l}\n`) })}
      />
    </label>
  );
}
