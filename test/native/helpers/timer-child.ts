/**
 * Runs one timer scenario in its own process so the tests can observe whether the
 * timer keeps the event loop alive and how uncaught callback errors surface.
 * Prints JSON lines; argv[2] names the scenario.
 */
import { MonotonicTimer, monotonicNowMs } from '../../../src/shell/net/timer.js';

const mode = process.argv[2];
const start = monotonicNowMs();
const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

switch (mode) {
  case 'idle': // opened, never armed: must not hold the loop
    MonotonicTimer.open(() => say({ fired: true }));
    break;
  case 'armed': {
    const deadline = start + 300;
    const t = MonotonicTimer.open(() => {
      say({ fired: true, late: monotonicNowMs() - deadline });
    });
    t.arm(deadline);
    break;
  }
  case 'disarmed': {
    const t = MonotonicTimer.open(() => say({ fired: true }));
    t.arm(start + 5000);
    t.disarm();
    break;
  }
  case 'throw': {
    const t = MonotonicTimer.open(() => {
      throw new Error('boom from timer');
    });
    t.arm(start + 1);
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.on('exit', () => say({ exit: true, elapsed: monotonicNowMs() - start }));
