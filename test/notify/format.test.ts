import { describe, expect, it } from 'vitest';
import { fifoLine, genericArgv, parseFifoLine } from '../../src/notify/format.js';

describe('notify formats (keepalived 2.2.7)', () => {
  it('FIFO lines', () => {
    expect(fifoLine('INSTANCE', 'VI_1', 'MASTER', 150)).toBe('INSTANCE "VI_1" MASTER 150\n');
    expect(fifoLine('GROUP', 'G1', 'BACKUP', 150)).toBe('GROUP "G1" BACKUP 0\n');
    expect(fifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 100)).toBe('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n');
    expect(fifoLine('INSTANCE', 'VI_0', 'MASTER_PRIORITY', 220)).toBe('INSTANCE "VI_0" MASTER_PRIORITY 220\n');
  });

  it('generic notify argv: configured argv + INSTANCE|GROUP, name, state, priority (groups 0)', () => {
    expect(genericArgv(['/x.sh', 'a b'], 'INSTANCE', 'VI_1', 'FAULT', 90)).toEqual(['/x.sh', 'a b', 'INSTANCE', 'VI_1', 'FAULT', '90']);
    expect(genericArgv(['/x.sh'], 'GROUP', 'G1', 'STOP', 150)).toEqual(['/x.sh', 'GROUP', 'G1', 'STOP', '0']);
  });

  it('parses FIFO lines back', () => {
    expect(parseFifoLine('GROUP "G1" FAULT 0\n')).toEqual({ kind: 'GROUP', name: 'G1', state: 'FAULT', priority: 0 });
    expect(parseFifoLine('INSTANCE "my inst" MASTER 254')).toEqual({ kind: 'INSTANCE', name: 'my inst', state: 'MASTER', priority: 254 });
    expect(parseFifoLine('VS [1.2.3.4]:tcp:80 UP')).toBeUndefined();
  });
});
