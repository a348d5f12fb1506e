/** Toxiproxy-style faults for HTTP routes: an ExchangeHook plus the response stage. */
export { createFaultsHook, latencyOf, type Rng } from './hook.js';
export { FaultStage, hasOutFaults, type FaultTarget } from './fault-stage.js';
export { sleep } from '../util/wait.js';
export { RechunkStage, rechunk, cutPoints, seededRng } from './rechunk.js';
