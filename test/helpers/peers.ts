/**
 * The real programs some tests run against (nginx and its modules, redis,
 * dnsmasq, python3…), each with the Debian package that provides it. `.ci/run`
 * installs them; elsewhere a test without its peer is skipped, and the skip
 * reason names the package to install — the runner lists every skip.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A peer: a program found on PATH, or a file at a fixed path (nginx modules), and its Debian package. */
interface Peer {
  what: string;
  pkg: string;
  program?: string;
  file?: string;
}

const PEERS = {
  nginx: { what: 'nginx', program: 'nginx', pkg: 'nginx' },
  'nginx-stream': {
    what: 'the nginx stream module',
    file: '/usr/lib/nginx/modules/ngx_stream_module.so',
    pkg: 'libnginx-mod-stream',
  },
  nchan: {
    what: 'the nginx nchan module',
    file: '/usr/lib/nginx/modules/ngx_nchan_module.so',
    pkg: 'libnginx-mod-nchan',
  },
  'redis-server': { what: 'redis-server', program: 'redis-server', pkg: 'redis-server' },
  'redis-benchmark': { what: 'redis-benchmark', program: 'redis-benchmark', pkg: 'redis-tools' },
  dnsmasq: { what: 'dnsmasq', program: 'dnsmasq', pkg: 'dnsmasq-base' },
  dig: { what: 'dig', program: 'dig', pkg: 'dnsutils' },
  python3: { what: 'python3', program: 'python3', pkg: 'python3' },
  curl: { what: 'curl', program: 'curl', pkg: 'curl' },
  chromium: { what: 'Chromium', file: '/usr/bin/chromium', pkg: 'chromium' },
} satisfies Record<string, Peer>;

/** A peer program or module a test needs. */
export type PeerName = keyof typeof PEERS;

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
const executable = (path: string) => can(path, constants.X_OK);

function present(peer: Peer): boolean {
  if (peer.file) return can(peer.file, constants.R_OK);
  // sbin too: Debian puts nginx and dnsmasq there, and a non-root PATH may lack it.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => d !== '' && executable(join(d, peer.program!)));
}

/** True when every named peer is installed. */
export function havePeers(...names: PeerName[]): boolean {
  return names.every((n) => present(PEERS[n]));
}

/**
 * The skip option for a test that needs `names`: false when all are present,
 * else a reason naming each missing peer and its Debian package.
 */
export function needs(...names: PeerName[]): string | false {
  const missing = names.map((n) => PEERS[n] as Peer).filter((p) => !present(p));
  if (missing.length === 0) return false;
  return `missing ${missing.map((p) => `${p.what} (Debian package ${p.pkg})`).join(', ')}: install it, as .ci/run does`;
}
