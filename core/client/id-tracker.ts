/**
 * Gaps and duplicates in numeric event ids across a client session (and its
 * reconnects): after id 3 comes 4; a 6 means 4–5 were missed, a second 3 is
 * a duplicate. Ids that are not whole numbers are not judged. Memory is
 * bounded: duplicates are recognised among the last RECENT ids, and at most
 * MAX_LISTED gaps and duplicates are listed (all are counted).
 */
import type { IdReport } from '../api/client.js';

const RECENT = 4096;
const MAX_LISTED = 100;

/** What one id meant. */
export type IdVerdict = 'next' | 'first' | 'gap' | 'duplicate' | 'behind' | 'not-numeric';

/** Follows numeric ids event by event. */
export class IdTracker {
  private last: number | undefined;
  private readonly recent = new Set<number>();
  private readonly order: number[] = [];
  private readonly report: IdReport = { gaps: [], missing: 0, duplicates: [], duplicateCount: 0, behind: 0 };

  /** Judges the next event's id (undefined: the event had none). */
  see(id: string | undefined): IdVerdict {
    if (id === undefined || !/^\d{1,15}$/.test(id)) return 'not-numeric';
    const n = Number(id);
    const last = this.last;
    let verdict: IdVerdict;
    if (last === undefined) verdict = 'first';
    else if (n === last + 1) verdict = 'next';
    else if (n > last + 1) {
      verdict = 'gap';
      this.report.missing += n - last - 1;
      if (this.report.gaps.length < MAX_LISTED)
        this.report.gaps.push({ after: String(last), next: id, missing: n - last - 1 });
    } else if (this.recent.has(n)) {
      verdict = 'duplicate';
      this.report.duplicateCount++;
      if (this.report.duplicates.length < MAX_LISTED) this.report.duplicates.push(id);
    } else {
      verdict = 'behind';
      this.report.behind++;
    }
    if (last === undefined || n > last) this.last = n;
    this.remember(n);
    return verdict;
  }

  private remember(n: number): void {
    if (this.recent.has(n)) return;
    this.recent.add(n);
    this.order.push(n);
    if (this.order.length > RECENT) this.recent.delete(this.order.shift()!);
  }

  /** The session's gaps and duplicates so far (a copy). */
  get result(): IdReport {
    return { ...this.report, gaps: this.report.gaps.map((g) => ({ ...g })), duplicates: [...this.report.duplicates] };
  }
}
