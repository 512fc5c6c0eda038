/**
 * B5's general-purpose comparator: the same IPI storm written against SIM.JS (npm `simjs`
 * 2.0.3), a general discrete-event library with entities and timers. Each CPU entity sends to a
 * random peer every 2 µs; a delivery is a 1 µs timer, then a handler timer on the target.
 */

interface SimjsRequest {
  done(cb: () => void): SimjsRequest;
}
interface SimjsEntityBase {
  setTimer(duration: number): SimjsRequest;
}
interface SimjsSim {
  addEntity(klass: unknown, name?: string, ...args: unknown[]): SimjsEntityBase;
  simulate(endTime: number): void;
}
interface SimjsModule {
  Sim: new () => SimjsSim;
  Entity: new (sim: SimjsSim, name?: string) => SimjsEntityBase;
}

/**
 * simjs 2.0.3 is a browserify bundle that only publishes itself as `window.Sim`; give it a
 * `window` while it loads, then take the classes and remove the global again.
 */
async function loadSimjs(): Promise<SimjsModule> {
  const g = globalThis as { window?: { Sim?: SimjsModule } };
  const had = 'window' in g;
  g.window ??= {};
  await import('simjs');
  const mod = g.window.Sim;
  if (!had) delete g.window;
  if (mod === undefined) throw new Error('simjs did not publish window.Sim');
  return mod;
}
const simjs = await loadSimjs();

/** Runs the storm on `nrCpus` CPUs until `totalIpis` were sent; returns events (timers fired). */
export function simjsStorm(nrCpus: number, totalIpis: number, pick: (cpu: number) => number): number {
  const sim = new simjs.Sim();
  let sent = 0;
  let events = 0;
  const handled = new Uint32Array(nrCpus);
  const entities: SimjsEntityBase[] = [];
  class CpuEntity extends simjs.Entity {
    start(cpu: number): void {
      const loop = (): void => {
        events++;
        if (sent >= totalIpis) return;
        sent++;
        const target = pick(cpu);
        this.setTimer(1000).done(() => {
          events++;
          entities[target].setTimer(300).done(() => {
            events++;
            handled[target]++;
          });
        });
        this.setTimer(2000).done(loop);
      };
      loop();
    }
  }
  for (let cpu = 0; cpu < nrCpus; cpu++) entities.push(sim.addEntity(CpuEntity, `cpu${cpu}`, cpu));
  sim.simulate(Number.MAX_SAFE_INTEGER);
  return events;
}
