/**
 * Ports for peers whose config must name theirs before they start (nginx,
 * redis-server, a Sluice config written to a file).
 *
 * Asking the kernel for port 0 and closing the socket hands back a port from
 * the ephemeral range (`ip_local_port_range`, 32768–60999 by default), and
 * the kernel gives the same range to every other test's port-0 listener and
 * outgoing connection: under a full parallel run one of them took such a
 * port before nginx could bind it. Ports below that range are never handed
 * out that way, so one found free there stays free until its peer binds it.
 * Callers in parallel processes claim theirs with an atomic mkdir, so no two
 * pick the same one.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLAIMS = join(tmpdir(), 'sluice-test-ports');
/** A claim older than this belongs to a finished run. */
const CLAIM_TTL_MS = 30 * 60_000;
const LOWEST = 20_000;

/** The first port of the kernel's ephemeral range. */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** True when nothing holds `port` on 127.0.0.1, over TCP or UDP. */
async function bindable(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => {
      u.close();
      resolve(false);
    });
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/** Claims `port` for this run (false when another caller has it). */
function claim(port: number): boolean {
  mkdirSync(CLAIMS, { recursive: true });
  const dir = join(CLAIMS, String(port));
  try {
    mkdirSync(dir);
    return true;
  } catch {
    const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age < CLAIM_TTL_MS) return false;
    rmSync(dir, { recursive: true, force: true });
    return claim(port);
  }
}

/** A free port on 127.0.0.1 (TCP and UDP) below the ephemeral range, claimed for this run. */
export async function freePort(): Promise<number> {
  const high = ephemeralStart();
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${high} after 500 tries`);
}
