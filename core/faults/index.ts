/** Toxiproxy-style faults: the HTTP exchange hook, the TCP/UDP link hook and the byte stages both use. */
export { createFaultsHook, createLinkFaultsHook, hasOutFaults, latencyOf } from './hook.js';
export {
  BudgetStage,
  faultStages,
  hasByteFaults,
  LatencyStage,
  ResetStage,
  SliceStage,
  StageChain,
  StallStage,
  type FaultTarget,
  type Rng,
} from './stages.js';
export { RechunkStage, rechunk, cutPoints, seededRng } from './rechunk.js';
