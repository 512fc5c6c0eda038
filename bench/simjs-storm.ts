/**
 * B5's general-purpose comparator: the same IPI storm written against SIM.JS (npm `simjs`), a
 * general discrete-event library with entities and timers. Each CPU entity sends to a random
 * peer every 2 µs; a delivery is a timer of 1 µs on the target's behalf, then a handler timer.
 */
import simjs from 'simjs';

interface SimjsEntity {
  setTimer(duration: number): { done(cb: () => void): void };
}
interface SimjsSim {
  addEntity(klass: object, name?: string, ...args: unknown[]): SimjsEntity;
  simulate(endTime: number): void;
}
const { Sim } = simjs as unknown as { Sim: new () => SimjsSim };

/** Runs the storm on `nrCpus` CPUs until `totalIpis` were sent; returns events (timers fired). */
export function simjsStorm(nrCpus: number, totalIpis: number, pick: (cpu: number) => number): number {
  const sim = new Sim();
  let sent = 0;
  let events = 0;
  const handled = new Uint32Array(nrCpus);
  const entities: SimjsEntity[] = [];
  for (let cpu = 0; cpu < nrCpus; cpu++) {
    const self = cpu;
    entities.push(
      sim.addEntity({
        start(this: SimjsEntity) {
          const loop = (): void => {
            events++;
            if (sent >= totalIpis) return;
            sent++;
            const target = pick(self);
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
        },
      }),
    );
  }
  sim.simulate(Number.MAX_SAFE_INTEGER);
  return events;
}
