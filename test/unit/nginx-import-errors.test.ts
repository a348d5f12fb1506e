/**
 * Bad nginx input gets `file:line: message`, exit 1 and no partial output:
 * truncated files, unbalanced braces, include loops, oversized
 * configurations, unknown variables, deep nesting, binary files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importNginx } from '../../core/nginx/import.js';
import { importCommand } from '../../core/cli/nginx.js';

const BIN = join(process.cwd(), 'bin/sluice.mjs');

/** A fresh directory holding `files`. */
function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-bad-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** What `sluice import-nginx DIR/MAIN` prints and returns, in-process; paths shown relative to the directory. */
async function importCli(
  files: Record<string, string | Buffer>,
  main: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const dir = tree(files);
  let stdout = '';
  let stderr = '';
  const status = await importCommand(join(dir, main), {
    yaml: (t) => (stdout += t),
    error: (l) => (stderr += `${l}\n`),
  });
  return { status, stdout, stderr: stderr.replaceAll(`${dir}/`, '') };
}

test('CLI: a truncated file → file:line: message on stderr, exit 1, nothing on stdout', async () => {
  const r = await importCli(
    { 'site.conf': 'server {\n    listen 8080;\n    location / {\n        root /srv' },
    'site.conf',
  );
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^site\.conf:4: unexpected end of file: directive "root" is not terminated by ";"\n$/);
});

test('CLI: unbalanced braces', async () => {
  const r = await importCli(
    { 'nginx.conf': 'events {}\nhttp {\n    server {\n        listen 80;\n    }\n}\n}\n' },
    'nginx.conf',
  );
  assert.deepEqual([r.status, r.stdout], [1, '']);
  assert.match(r.stderr, /^nginx\.conf:7: unexpected "\}" \(no block is open\)\n$/);
});

test('CLI: an include loop names the chain at the include line', async () => {
  const r = await importCli(
    {
      'nginx.conf': 'events {}\nhttp {\n    include sites/a.conf;\n}\n',
      'sites/a.conf': 'server { listen 80; }\ninclude sites/b.conf;\n',
      'sites/b.conf': '\n\ninclude sites/a.conf;\n',
    },
    'nginx.conf',
  );
  assert.deepEqual([r.status, r.stdout], [1, '']);
  assert.match(r.stderr, /^sites\/b\.conf:3: include sites\/a\.conf: include loop \(a\.conf → b\.conf → a\.conf\)\n$/);
});

test('CLI: a missing include and a binary include are errors at the include line', async () => {
  const missing = await importCli({ 'nginx.conf': 'http {\n    include nope.conf;\n}\n' }, 'nginx.conf');
  assert.deepEqual([missing.status, missing.stdout], [1, '']);
  assert.match(missing.stderr, /^nginx\.conf:2: include nope\.conf: file not found/);
  const binary = await importCli(
    {
      'nginx.conf': 'http {\n    include blob.conf;\n}\n',
      'blob.conf': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]),
    },
    'nginx.conf',
  );
  assert.match(binary.stderr, /^nginx\.conf:2: include blob\.conf: blob\.conf is not a text file/);
});

test('CLI: a 10 MB configuration is refused before it is parsed', async () => {
  const line = 'add_header X-Filler "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";\n';
  const big = `events {}\nhttp {\nserver {\nlisten 80;\n${line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))}}\n}\n`;
  const r = await importCli({ 'huge.conf': big }, 'huge.conf');
  assert.deepEqual([r.status, r.stdout], [1, '']);
  assert.match(r.stderr, /^huge\.conf:1: the configuration would be 10\.0 MiB; an import reads at most 4\.0 MiB\n$/);
});

test('CLI: unknown variables are errors, as nginx -t says; known families and captures are fine', async () => {
  const r = await importCli(
    {
      'vars.conf':
        'http {\n  map $http_x_mode $mode { default a; }\n  server {\n    listen 80;\n    add_header X-Mode $mode;\n    add_header X-Arg $arg_q$cookie_id;\n    location / { return 200 "$reqest_uri"; }\n    location ~ ^/(?<slug>\\w+)$ { return 200 $slug$1; }\n  }\n}\n',
    },
    'vars.conf',
  );
  assert.deepEqual([r.status, r.stdout], [1, '']);
  assert.equal(r.stderr, 'vars.conf:7: return: unknown "reqest_uri" variable\n');
});

test('misplaced blocks are errors where nginx refuses them', () => {
  const r = importNginx('http { server { listen 80; } }\nserver { listen 81; }\nlocation / { }', 'm.conf');
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.deepEqual(
    r.errors.map((e) => `${e.line}: ${e.message}`),
    ['2: "server" directive is not allowed here', '3: "location" directive is not allowed here'],
  );
});

test('the command itself: exit 1, the error on stderr, nothing on stdout', () => {
  const dir = tree({ 'site.conf': 'server {\n    listen 8080;\n' });
  const r = spawnSync(process.execPath, [BIN, 'import-nginx', 'site.conf'], { cwd: dir, encoding: 'utf8' });
  assert.deepEqual([r.status, r.stdout], [1, '']);
  assert.equal(r.stderr, 'site.conf:1: unexpected end of file: "{" of "server" is never closed (missing "}")\n');
});
