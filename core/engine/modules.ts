/**
 * The engine's modules, installed once per Engine. Each owner adds its line:
 * a module follows the config (apply/stop); a hook acts on every HTTP
 * exchange. Hook order matters: faults first, then limits, so a slice fault
 * is shaped too.
 */
import type { EngineServices } from './services.js';
import { SseHub } from '../sse/hub.js';
import { ShapingModule, SHAPING_MODULE } from '../shaping/module.js';
import { StreamUpstreams, STREAM_UPSTREAMS } from '../stream/upstreams.js';
import { createFaultsHook } from '../faults/index.js';
import { UpstreamsModule, UPSTREAMS_MODULE } from '../proxy/upstreams.js';

export function installModules(services: EngineServices): void {
  void services;
  services.modules.set('sse', new SseHub(services));
  // Faults first of all hooks: latency/status/drop before anything else, their stage before limits.
  services.hooks.unshift(createFaultsHook());
  services.modules.set(UPSTREAMS_MODULE, new UpstreamsModule(services));
  // Limits: the hook goes last so faults (installed before) are shaped too.
  const shaping = new ShapingModule(services);
  services.modules.set(SHAPING_MODULE, shaping);
  services.hooks.push(shaping.hook);
  services.modules.set(STREAM_UPSTREAMS, new StreamUpstreams(services));
}
