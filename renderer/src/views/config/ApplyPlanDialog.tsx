/**
 * The plan shown before a config is applied: which listeners start, stop,
 * change (and how) or stay, and which sections change, so the user sees what
 * the engine will do before it does it. Apply confirms; Cancel leaves the
 * engine as it is.
 */
import { useStore } from 'zustand';
import { applyDialog, confirmApply } from '../config-actions.js';

/** The apply plan as a modal; nothing while no plan is pending. */
export function ApplyPlanDialog() {
  const { plan, changes, busy } = useStore(applyDialog);
  if (!plan) return null;
  const rows = [
    ...plan.add.map((i) => ['start', `${i.kind} ${i.name} ${i.listen}`]),
    ...plan.remove.map((i) => ['stop', `${i.kind} ${i.name} ${i.listen}`]),
    ...plan.update.map((i) => ['change', `${i.kind} ${i.name} ${i.listen}: ${(i.changes ?? []).join(', ')}`]),
    ...plan.sections.map((s) => ['change', s]),
    ...plan.unchanged.map((i) => ['keep', `${i.kind} ${i.name} ${i.listen}`]),
  ];
  return (
    <div className="modal-back">
      <div className="modal" data-testid="apply-plan">
        <h3>Apply this config?</h3>
        {(changes ?? []).length === 0 && <p>No listener changes.</p>}
        <table className="plan">
          <tbody>
            {rows.map(([a, b], i) => (
              <tr key={i} className={a}>
                <td>{a}</td>
                <td>{b}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="modal-buttons">
          <button onClick={() => applyDialog.setState({ plan: undefined })}>Cancel</button>
          <button className="primary" data-testid="confirm-apply" disabled={busy} onClick={() => void confirmApply()}>
            Apply
          </button>
        </div>
      </div>
    </div>
  );
}
