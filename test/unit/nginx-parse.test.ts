/**
 * The nginx config reader as `sluice import-nginx` uses it: directives with
 * their arguments and positions, blocks, quoting and escapes, comments,
 * `${var}` with braces — and every syntax error at its line:col.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { find, findAll, MAX_DEPTH, parseNginx, walk, type Directive } from '../../core/nginx/parse.js';

function parse(text: string): Directive[] {
  const r = parseNginx(text);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.directives;
}

/** Names and arguments only, nested. */
const shape = (list: Directive[]): unknown[] =>
  list.map((d) => (d.block ? [d.name, ...d.args, shape(d.block)] : [d.name, ...d.args]));

test('directives, arguments and nested blocks with their 1-based line:col', () => {
  const ds = parse('worker_processes 1;\nhttp {\n  server {\n    listen 127.0.0.1:80 default_server;\n  }\n}\n');
  assert.deepEqual(shape(ds), [
    ['worker_processes', '1'],
    ['http', [['server', [['listen', '127.0.0.1:80', 'default_server']]]]],
  ]);
  assert.deepEqual([ds[0]!.line, ds[0]!.col], [1, 1]);
  assert.deepEqual([ds[1]!.line, ds[1]!.col], [2, 1]);
  const server = ds[1]!.block![0]!;
  assert.deepEqual([server.line, server.col], [3, 3]);
  assert.deepEqual([server.block![0]!.line, server.block![0]!.col], [4, 5]);
  assert.equal(ds[0]!.block, undefined, 'a plain directive has no block');
  assert.deepEqual(ds[1]!.args, []);
});

test('whitespace of any kind separates; no space is needed around ; { }', () => {
  assert.deepEqual(shape(parse('a\tb\r\nc;d{e f;}g;')), [['a', 'b', 'c'], ['d', [['e', 'f']]], ['g']]);
  assert.deepEqual(shape(parse('')), []);
  assert.deepEqual(shape(parse('  \n\t ')), []);
  assert.deepEqual(shape(parse('empty {}')), [['empty', []]]);
});

test('comments run to the end of the line, also right after a word', () => {
  const ds = parse('# header\nlisten 80; # trailing\n# last');
  assert.deepEqual(shape(ds), [['listen', '80']]);
  assert.deepEqual([ds[0]!.line, ds[0]!.col], [2, 1]);
  assert.deepEqual(shape(parse('a b#c\n;')), [['a', 'b#c']]);
});

test('quotes: either kind, spaces and ; { } # inside, escapes for the quote, backslash, n, t, r', () => {
  assert.deepEqual(shape(parse(`return 200 "a b;{}#";`)), [['return', '200', 'a b;{}#']]);
  assert.deepEqual(shape(parse(`x 'single "q"';`)), [['x', 'single "q"']]);
  assert.deepEqual(shape(parse(`x "say \\"hi\\"" 'it\\'s';`)), [['x', 'say "hi"', "it's"]]);
  assert.deepEqual(shape(parse(`x "a\\nb\\tc\\rd\\\\e";`)), [['x', 'a\nb\tc\rd\\e']]);
  assert.deepEqual(shape(parse(`x "keep \\$var and \\'";`)), [['x', "keep \\$var and '"]]);
  assert.deepEqual(shape(parse(`x "";`)), [['x', '']]);
  const ds = parse(`a "multi\nline";\nb;`);
  assert.deepEqual(shape(ds), [['a', 'multi\nline'], ['b']]);
  assert.deepEqual([ds[1]!.line, ds[1]!.col], [3, 1], 'lines inside quotes are counted');
});

test('bare words keep ${var} with braces and backslash escapes', () => {
  assert.deepEqual(shape(parse('set $a ${host}x;')), [['set', '$a', '${host}x']]);
  // Braces of a regex quantifier need quotes, as in nginx.
  assert.deepEqual(shape(parse('location ~ "^/(a|b){2}$" { return 204; }')), [
    ['location', '~', '^/(a|b){2}$', [['return', '204']]],
  ]);
  assert.equal(parseNginx('location ~ ^/a{2}$ { return 204; }').ok, false);
  assert.deepEqual(shape(parse('x a\\;b;')), [['x', 'a\\;b']]);
  assert.deepEqual(shape(parse('x a\\ b;')), [['x', 'a\\ b']]);
  const ds = parse('a ${x}\nb;');
  assert.deepEqual(shape(ds), [['a', '${x}', 'b']]);
});

test('text that ends inside a word names that word as written in the error', () => {
  const message = (text: string) => {
    const r = parseNginx(text);
    assert.ok(!r.ok);
    return r.error.message;
  };
  assert.equal(message('events {}\nlisten'), 'unexpected end of file: directive "listen" is not terminated by ";"');
  assert.equal(message('${a'), 'unclosed "${" in a variable name', 'an unclosed ${ is named as such');
  assert.equal(
    message('a\\'),
    'unexpected end of file: directive "a\\" is not terminated by ";"',
    'a backslash at the very end is kept',
  );
});

const ERRORS: [string, string, number, number][] = [
  ['unclosed block', 'http {\n  server {\n    listen 80;\n', 2, 10],
  ['unclosed outer block', 'http {\n  x;\n', 1, 6],
  ['unexpected close', 'a;\n}', 2, 1],
  ['unexpected ; at the start', ';', 1, 1],
  ['unexpected { at the start', '  {', 1, 3],
  ['directive without ;', 'a b c', 1, 1],
  ['} inside a directive', 'http { server { listen 80 }', 1, 27],
  ['unterminated double quote', 'events {}\nhttp { return "abc; }', 2, 15],
  ['unterminated single quote', "x 'abc", 1, 3],
];
const MESSAGES: Record<string, string> = {
  'unclosed block': 'unexpected end of file: "{" of "server" is never closed (missing "}")',
  'unclosed outer block': 'unexpected end of file: "{" of "http" is never closed (missing "}")',
  'unexpected close': 'unexpected "}" (no block is open)',
  'unexpected ; at the start': 'unexpected ";"',
  'unexpected { at the start': 'unexpected "{"',
  'directive without ;': 'unexpected end of file: directive "a" is not terminated by ";"',
  '} inside a directive': 'unexpected "}": directive "listen" is not terminated by ";"',
  'unterminated double quote': 'unterminated double quote',
  'unterminated single quote': 'unterminated single quote',
};
for (const [name, text, line, col] of ERRORS) {
  test(`syntax error: ${name} at ${line}:${col}`, () => {
    assert.deepEqual(parseNginx(text), {
      ok: false,
      error: { file: 'nginx.conf', line, col, message: MESSAGES[name] },
    });
  });
}

test('find and findAll look at one level only', () => {
  const ds = parse('a 1; b; a 2; c { a 3; }');
  assert.deepEqual(find(ds, 'a')?.args, ['1']);
  assert.equal(find(ds, 'z'), undefined);
  assert.equal(find(undefined, 'a'), undefined);
  assert.deepEqual(
    findAll(ds, 'a').map((d) => d.args[0]),
    ['1', '2'],
  );
  assert.deepEqual(findAll(ds, 'z'), []);
  assert.deepEqual(findAll(undefined, 'a'), []);
});

test('syntax errors carry the file, line and column nginx would blame', () => {
  const cases: [string, number, RegExp][] = [
    ['http {\n  server {\n    listen 80;\n', 2, /"\{" of "server" is never closed/],
    ['http {\n  server { listen 80 }\n}', 2, /unexpected "\}": directive "listen" is not terminated by ";"/],
    ['events {}\n}\n', 2, /unexpected "\}" \(no block is open\)/],
    ['events {}\nhttp { return "abc; }', 2, /unterminated double quote/],
    ['a b c', 1, /directive "a" is not terminated by ";"/],
    ['http { server { return 200 "x"y; } }', 1, /unexpected "y" after a quoted string/],
    ['http {\n  ; \n}', 2, /unexpected ";"/],
  ];
  for (const [text, line, message] of cases) {
    const r = parseNginx(text, 'x.conf');
    assert.ok(!r.ok, text);
    if (r.ok) continue;
    assert.equal(r.error.file, 'x.conf');
    assert.equal(r.error.line, line, text);
    assert.match(r.error.message, message);
  }
});

test('as nginx: "}" inside a word belongs to it, ${var} may hold braces, # starts a comment only at a word start', () => {
  const r = parseNginx('location /a#b { return 200 "${dollar}x}"; }  # done\nset $x a}b;');
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(
    r.directives.map((d) => [d.name, d.args]),
    [
      ['location', ['/a#b']],
      ['set', ['$x', 'a}b']],
    ],
  );
  assert.deepEqual(r.directives[0]!.block![0]!.args, ['200', '${dollar}x}']);
});

test('ten thousand nested blocks are an error, not a stack overflow', () => {
  const r = parseNginx(`${'a {'.repeat(10_000)}${'}'.repeat(10_000)}`, 'deep.conf');
  assert.ok(!r.ok && /nested deeper than 64 levels/.test(r.error.message));
});

test('blocks nest up to 64 levels; the 65th "{" is the error, at its position', () => {
  assert.equal(MAX_DEPTH, 64);
  assert.ok(parseNginx(`${'a {'.repeat(64)}${'}'.repeat(64)}`).ok);
  const r = parseNginx(`${'a {'.repeat(65)}${'}'.repeat(65)}`, 'deep.conf');
  assert.deepEqual(r, {
    ok: false,
    error: { file: 'deep.conf', line: 1, col: 65 * 3, message: 'blocks nested deeper than 64 levels' },
  });
});

test('a quoted string must be followed by space or ; { } — and may end the text, as a directive still open', () => {
  assert.deepEqual(parseNginx('x "a"y;'), {
    ok: false,
    error: { file: 'nginx.conf', line: 1, col: 6, message: 'unexpected "y" after a quoted string' },
  });
  assert.deepEqual(parseNginx('x "a"'), {
    ok: false,
    error: {
      file: 'nginx.conf',
      line: 1,
      col: 1,
      message: 'unexpected end of file: directive "x" is not terminated by ";"',
    },
  });
  assert.deepEqual(shape(parse('x "a";y "b"{}z \'c\'\t;')), [
    ['x', 'a'],
    ['y', 'b', []],
    ['z', 'c'],
  ]);
});

test('the # comment lines right above a directive stay with it; others are dropped', () => {
  const ds = parse(
    '# first\n#second  \nlisten 80; # after listen\nhttp { # opens\n  # inner\n  server_name a; # end\n}\nplain;',
  );
  assert.deepEqual(ds[0]!.comments, ['first', 'second']);
  assert.deepEqual(ds[1]!.comments, ['after listen'], 'a comment after ";" goes to the next directive');
  assert.deepEqual(ds[1]!.block![0]!.comments, ['opens', 'inner']);
  assert.ok(!('comments' in ds[2]!), 'a comment before "}" belongs to no directive');
  assert.deepEqual(parse('x # inside\n a;')[0]!.comments, undefined, 'a comment inside a directive is dropped');
  assert.deepEqual(parse('x;#c')[0], { name: 'x', args: [], file: 'nginx.conf', line: 1, col: 1 });
});

test('walk visits every directive depth first, a block before its children, in file order', () => {
  const ds = parse('a; b { c; d { e; } f; } g { } h;');
  assert.deepEqual(
    [...walk(ds)].map((d) => d.name),
    ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  );
  assert.deepEqual([...walk([])], []);
  assert.deepEqual(
    shape(ds),
    [['a'], ['b', [['c'], ['d', [['e']]], ['f']]], ['g', []], ['h']],
    'walking leaves the tree as it was',
  );
});
