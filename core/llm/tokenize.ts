/**
 * Deterministic tokenising of reply text and tool arguments: words (long
 * ones cut into pieces of up to 8 characters, as sub-word tokens are) and
 * single punctuation or symbol characters, each keeping the whitespace
 * before it. Joining the pieces gives back the input exactly.
 */

/** Letters/digits runs of at most 8, or one other character; leading whitespace attached; trailing whitespace alone. */
const PIECE = /\s*(?:[\p{L}\p{M}\p{N}_]{1,8}|[^\s])|\s+/gu;

/** Splits text into token-like pieces ("Hello", ",", " world", "!"). */
export function tokenize(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** A rough token count for usage figures (prompt text). */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
