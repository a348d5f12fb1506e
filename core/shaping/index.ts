/** Bandwidth shaping: token bucket, throttle stage, live limits module, stream API, explain(). */
export { TokenBucket } from './token-bucket.js';
export { ThrottleStage, type ThrottleTarget } from './throttle-stage.js';
export { ShapingModule } from './module.js';
export { createStreamThrottle, type StreamThrottle } from './stream.js';
export { explainLimit, explainRule, explainMatch, explainLimits, effectiveBurst, sliceSize } from './explain.js';
export { selectLimit, ruleMatches, clientMatches, routeScope, ruleScope, streamScope, DEFAULT_SCOPE } from './rules.js';
