/**
 * Heavy work takes turns, across test files and processes: a rate measured
 * while another test moves a gigabyte through the same two cores measures that
 * other test. Rate measurements and bulk transfers run inside `exclusive()`;
 * everything else runs alongside as usual.
 *
 * The turn is a lock directory in the temp dir (mkdir is atomic) holding the
 * owner's pid; a lock whose owner died is taken over. Nested turns in the
 * process that holds it run at once.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'sluice-test-exclusive.lock');
let held = 0;

/**
 * Waits for this process's turn and returns the function that ends it. In a
 * test: `t.after(await takeTurn())` makes the whole test one turn.
 */
export async function takeTurn(): Promise<() => void> {
  if (held++ > 0) return () => void held--;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      if (ownerGone()) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--held === 0) rmSync(LOCK, { recursive: true, force: true });
  };
}

/** Runs `fn` when no other heavy test runs (in any test process on this machine). */
export async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const done = await takeTurn();
  try {
    return await fn();
  } finally {
    done();
  }
}

/** True when the lock's owner process no longer exists (or never wrote its pid). */
function ownerGone(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    if (!pid) return Date.now() - statSync(LOCK).mtimeMs > 5000; // made but never claimed
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // No pid file: just made, or just removed.
      try {
        return Date.now() - statSync(LOCK).mtimeMs > 5000;
      } catch {
        return false;
      }
    }
    return code === 'ESRCH';
  }
}
