// A Stryker ignorer: the text passed to zod's `.describe()` is documentation
// (it becomes the JSON Schema's descriptions and the editor's help), not
// behaviour; mutating it only measures whether a test copies the prose.
// Every other string — error messages, defaults, names — stays mutated.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

/** True for the argument of a `something.describe(…)` call. */
function isDescription(path) {
  const parent = path.parentPath;
  if (!parent || path.listKey !== 'arguments' || parent.node.type !== 'CallExpression') return false;
  const callee = parent.node.callee;
  return (
    callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'describe'
  );
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'sluice-descriptions', {
    shouldIgnore: (path) => (isDescription(path) ? 'a description (documentation text)' : undefined),
  }),
];
