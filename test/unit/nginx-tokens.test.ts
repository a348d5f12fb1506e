/**
 * The nginx config reader as `sluice import-nginx` uses it: directives with
 * their arguments and positions, blocks, quoting and escapes, comments,
 * `${var}` with braces — and every syntax error at its line:col.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { find, findAll, parseNginx, type Directive } from '../../core/nginx/parse.js';

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
