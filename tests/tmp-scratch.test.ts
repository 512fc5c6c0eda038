import { it } from '@jest/globals';
import { runIpiDriverConformance } from '../lib/testing/index.js';
import { toyArchModule } from './testing/toy-arch.js';
it('msgs', () => {
  for (const bug of ['drop', 'no-eoi', 'eoi-early', 'same-hwirq', 'misroute']) {
    const f = runIpiDriverConformance({ name: `toy/${bug}`, modules: toyArchModule, archOptions: { bug }, sizes: [3] });
    for (const x of f) console.log(x.error.message);
  }
});
