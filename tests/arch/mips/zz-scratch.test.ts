import { it, expect } from '@jest/globals';
import { createMachine } from '../../../lib/index.js';
import { MipsRproc } from '../../../drivers/coproc/index.js';
for (const arch of ['mips-mailbox', 'mips-gic']) {
  it('xcall ' + arch, () => {
    const m = createMachine({ arch, nrCpus: 4 });
    const counts = new Array(4).fill(0);
    m.sim.spawn(0, function* () {
      yield* m.smp.onEachCpu(() => { counts[m.sim.smpProcessorId()]++; }, null, true);
      m.sched.smpSendReschedule(2);
    });
    const r = m.run();
    expect(r.reason).toBe('idle');
    expect(counts).toEqual([1,1,1,1]);
    expect(Array.from(m.sched.schedulerIpis)).toEqual([0,0,1,0]);
    console.log(m.warnings, m.now);
  });
}
it('coproc', () => {
  const m = createMachine({ arch: 'mips-gic', nrCpus: 4, onlineCpus: [0,1,2] });
  const r = m.get(MipsRproc);
  expect(r.mipsRprocOpStart(3)).toBe(0);
  m.run();
  console.log(r.firmware.state, r.ipiLinux, r.ipiRemote, r.firmware.ipiToRemote, r.firmware.ipiFromRemote);
  r.pingPong(5);
  m.run();
  console.log(r.received, r.roundTrips, r.firmware.messages, m.warnings);
});
import { patchworkX86Modules, PatchworkIpi, PatchworkApicChip, IPI_SINGLE, IPI_BROADCAST, ERR } from '../../../drivers/patchwork-ipi/index.js';
it('patchwork', () => {
  const m = createMachine({ arch: [...patchworkX86Modules], nrCpus: 4 });
  const pw = m.get(PatchworkIpi);
  expect(m.get(PatchworkApicChip).moduleInit(pw)).toBe(0);
  const ran: number[] = [];
  m.sim.spawn(0, function* () {
    expect(pw.ipiSend(pw.cpu(2), IPI_SINGLE, ({ self }) => { ran.push(self.id); }, null)).toBe(0);
    expect(pw.ipiSend(null, IPI_BROADCAST, ({ self }) => { ran.push(10 + self.id); }, null)).toBe(0);
    yield m.sim.delay(10);
  });
  const r = m.run();
  console.log(r.reason, ran, m.now, m.warnings, Array.from(pw.interrupts));
});
