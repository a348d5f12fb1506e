/** The config module's public surface: schema, types, loading, diffing, editing. Isomorphic (no Node built-ins). */
export * from './schema.js';
export {
  LLM_FORMATS,
  LLM_FAIL_KINDS,
  RECHUNK_MODES,
  regexParts,
  llmSchema,
  llmCaseSchema,
  llmToolCallSchema,
  llmFailSchema,
  rechunkSchema,
} from './llm-schema.js';
export * from './units.js';
export * from './errors.js';
export { loadConfig, validateConfigObject, type LoadResult } from './load.js';
export { semanticIssues, isCidr, MIN_BURST } from './semantic.js';
export {
  planApply,
  describePlan,
  listenersOf,
  stableJson,
  type ApplyPlan,
  type PlanItem,
  type ListenerDef,
} from './diff.js';
export {
  isUpstreamUrl,
  parseUpstreamUrl,
  isIpLiteral,
  withoutImplicitUpstreams,
  tlsServerName,
  tlsHostHeader,
  type UpstreamUrl,
} from './upstream-url.js';
export { configJsonSchema } from './json-schema.js';
export { updateConfigText, toConfigText } from './document.js';
