/**
 * The `sluice` command as a user runs it (`node bin/sluice.mjs …`):
 * validate's exit codes and file:line:col errors; run's one line per
 * listener, SIGHUP reloads (and refuses an invalid file while running on),
 * SIGTERM drains and exits 0, the launcher follows its engine (a killed
 * launcher stops the engine; an engine killed by a signal takes the launcher
 * with it), a taken port is one clear line and exit 1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/sluice.mjs');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const sluice = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: dir, timeoutMs: 30_000 });

const server = (name: string, body: string) =>
  `    - name: ${name}\n      listen: 0\n      routes:\n        - path: /\n          respond: { body: ${body} }\n`;
const doc = (...servers: string[]) => `version: 1\nhttp:\n  servers:\n${servers.join('')}`;

/** A running `sluice run` with its output collected line by line. */
class Running {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  /** The signal the process died of, if any (set once exited). */
  exitSignal: NodeJS.Signals | null = null;
  private readonly child: ChildProcess;
  constructor(file: string) {
    this.child = spawn(process.execPath, [BIN, 'run', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((r) =>
      this.child.on('exit', (code, signal) => {
        this.exitSignal = signal;
        r(code);
      }),
    );
  }
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }
  get pid(): number {
    return this.child.pid!;
  }
  /** Waits for a line matching `re` (after index `from`) and returns its match. */
  async waitFor(re: RegExp, from = 0, ms = 20_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      for (const l of this.lines.slice(from)) {
        const m = re.exec(l);
        if (m) return m;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no line matching ${re} in:\n${this.lines.join('\n')}`);
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

test('validate: exit 0 for a good file, exit 1 with every error as file:line:col', async () => {
  await writeFile(join(dir, 'good.yaml'), doc(server('a', 'ok')));
  const good = await sluice('validate', 'good.yaml');
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /good\.yaml: ok/);
  await writeFile(
    join(dir, 'bad.yaml'),
    'version: 1\nhttp:\n  servers:\n    - name: a\n      listen: nowhere\n      bogus: 1\n',
  );
  const bad = await sluice('validate', 'bad.yaml');
  assert.equal(bad.code, 1);
  const errors = bad.stderr.trim().split('\n');
  assert.deepEqual(
    errors.map((l) => /^bad\.yaml:(\d+):(\d+): /.exec(l)?.slice(1, 3).join(':')),
    ['5:15', '6:7'],
  );
  assert.match(errors[0]!, /invalid address "nowhere"/);
  assert.match(errors[1]!, /unknown key "bogus"/);
  const missing = await sluice('validate', 'nope.yaml');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.yaml.*file not found/);
});

test(
  'run: a line per listener, SIGHUP reloads (an invalid file keeps the last config), SIGTERM exits 0',
  { timeout: 60_000 },
  async () => {
    const file = join(dir, 'run.yaml');
    await writeFile(file, doc(server('alpha', 'from-alpha'), server('beta', 'from-beta')));
    const proc = new Running(file);
    try {
      const alpha = await proc.waitFor(/^http alpha listening on (http:\/\/127\.0\.0\.1:\d+)$/);
      await proc.waitFor(/^http beta listening on http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(proc.lines.filter((l) => /listening on/.test(l)).length, 2);
      assert.equal(await (await fetch(alpha[1]!)).text(), 'from-alpha');
      // The engine runs with the V8 flags bin/sluice.mjs gives it (it says why): here in a second process.
      const engine = await engineProcess(proc.pid);
      assert.match(engine.cmdline, /--no-memory-reducer/);
      assert.match(engine.cmdline, /--min-semi-space-size=16 --max-semi-space-size=16/);

      // Reload with a third server.
      let mark = proc.lines.length;
      await writeFile(
        file,
        doc(server('alpha', 'from-alpha'), server('beta', 'from-beta'), server('gamma', 'from-gamma')),
      );
      proc.signal('SIGHUP');
      const gamma = await proc.waitFor(/^http gamma listening on (http:\/\/127\.0\.0\.1:\d+)$/, mark);
      const reloaded = await proc.waitFor(/^reloaded: (.*)$/, mark);
      assert.match(reloaded[1]!, /gamma/);
      assert.equal(await (await fetch(gamma[1]!)).text(), 'from-gamma');

      // An invalid file: refused, positioned errors, still serving.
      mark = proc.lines.length;
      await writeFile(file, doc(server('alpha', 'from-alpha')) + '      bogus: 1\n');
      proc.signal('SIGHUP');
      await proc.waitFor(/reload refused, still running the last good config/, mark);
      await proc.waitFor(/run\.yaml:\d+:\d+: .*unknown key "bogus"/, mark);
      assert.equal(await (await fetch(gamma[1]!)).text(), 'from-gamma');
      assert.equal(await (await fetch(alpha[1]!)).text(), 'from-alpha');

      proc.signal('SIGTERM');
      assert.equal(await proc.exited, 0);
      await assert.rejects(fetch(alpha[1]!), 'the listener is gone');
    } finally {
      proc.kill();
    }
  },
);

/** The engine process the launcher started (its only child), with its command line. */
async function engineProcess(launcher: number): Promise<{ pid: number; cmdline: string }> {
  const children = (await readFile(`/proc/${launcher}/task/${launcher}/children`, 'utf8'))
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  assert.equal(children.length, 1, `launcher ${launcher} has children ${children.join(',')}`);
  const pid = children[0]!;
  return { pid, cmdline: (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ') };
}

test(
  'run: when the launcher is killed outright, the engine stops too (no orphan holding the port)',
  { timeout: 30_000 },
  async () => {
    const file = join(dir, 'orphan.yaml');
    await writeFile(file, doc(server('solo', 'hi')));
    const proc = new Running(file);
    try {
      const url = (await proc.waitFor(/^http solo listening on (http:\/\/127\.0\.0\.1:\d+)$/))[1]!;
      const engine = await engineProcess(proc.pid);
      proc.kill();
      await proc.exited;
      const end = Date.now() + 10_000;
      while (Date.now() < end && existsSync(`/proc/${engine.pid}`)) await new Promise((r) => setTimeout(r, 50));
      assert.equal(existsSync(`/proc/${engine.pid}`), false, 'the engine process is gone');
      await assert.rejects(fetch(url), 'its listener is gone');
    } finally {
      proc.kill();
    }
  },
);

test(
  'run: the launcher follows its engine: a drained engine exits 0, one killed by a signal takes the launcher with it',
  { timeout: 60_000 },
  async () => {
    const file = join(dir, 'follow.yaml');
    await writeFile(file, doc(server('solo', 'hi')));
    for (const [signal, code, dies] of [
      ['SIGTERM', 0, null],
      ['SIGKILL', null, 'SIGKILL'],
    ] as const) {
      const proc = new Running(file);
      try {
        await proc.waitFor(/^http solo listening on http:\/\/127\.0\.0\.1:\d+$/);
        const engine = await engineProcess(proc.pid);
        process.kill(engine.pid, signal);
        assert.equal(await proc.exited, code, `engine sent ${signal}: the launcher's exit code`);
        assert.equal(proc.exitSignal, dies, `engine sent ${signal}: the launcher's signal`);
      } finally {
        proc.kill();
      }
    }
  },
);

test('run: a taken port is one clear line and exit 1', { timeout: 30_000 }, async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    await writeFile(join(dir, 'taken.yaml'), doc(server('a', 'x')).replace('listen: 0', `listen: ${port}`));
    const r = await sluice('run', 'taken.yaml');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
  } finally {
    blocker.close();
  }
});
