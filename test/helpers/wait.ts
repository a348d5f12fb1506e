/** Waiting in tests: a plain sleep, and polling a condition instead of guessing a delay. */

/** Resolves after `ms` of wall-clock time. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds (health checks and closes run on their own time; a loaded machine may be slow). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 5000,
  everyMs = 25,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
