/** Profiling aid: counts handled engine events per kind (wraps every handler registered from now on). */
import { type EventHandler, SimEngine } from '../lib/sim/engine.js';

/** Starts counting; returns the live counts by kind name. */
export function countEventKinds(): Map<string, number> {
  const counts = new Map<string, number>();
  // Read through a descriptor: the wrapper calls the original with the engine as `this`.
  const orig: (this: SimEngine, name: string, handler: EventHandler) => number = Reflect.get(SimEngine.prototype, 'registerKind');
  SimEngine.prototype.registerKind = function (this: SimEngine, name: string, handler: EventHandler): number {
    return orig.call(this, name, (a, b) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      handler(a, b);
    });
  };
  return counts;
}
