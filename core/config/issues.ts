/**
 * Turns zod issues into short, human messages. zod's defaults are written for
 * developers ("Invalid input: expected string, received number"); users of a
 * config file want "expected a string, got a number".
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  undefined: 'nothing',
  null: 'null',
  int: 'an integer',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/** One message per issue, without the path (the caller adds position and path). */
export function issueMessage(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return `is required (${ARTICLE[issue.expected] ?? issue.expected})`;
      return `expected ${ARTICLE[issue.expected] ?? issue.expected}, got ${describe(input)}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}, got ${describe(input)}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input)}`;
    case 'invalid_union': {
      // Prefer the message of a branch that got past the type check (a custom refinement).
      for (const branch of issue.errors) {
        const deep = branch.find((i) => i.code !== 'invalid_type');
        if (deep) return issueMessage(deep, input);
      }
      const expected = [
        ...new Set(
          issue.errors
            .flat()
            .filter((i) => i.code === 'invalid_type')
            .map((i) => (i as { expected: string }).expected),
        ),
      ];
      return `expected ${expected.map((e) => ARTICLE[e] ?? e).join(' or ')}, got ${describe(input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array')
        return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}, got ${describe(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `has more than ${issue.maximum} items`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${describe(input)}`;
    case 'invalid_format':
      return issue.message && !issue.message.startsWith('Invalid')
        ? issue.message
        : `has an invalid format (${issue.format}), got ${describe(input)}`;
    default:
      return issue.message;
  }
}
