/**
 * A packet delayer for kernels without sch_netem: run inside a namespace whose iptables
 * send packets to NFQUEUE `--queue`, it holds each one for `--ms` ± `--jitter-ms` (uniform,
 * seeded) and then lets it through (NF_ACCEPT). Like netem's jitter, packets may leave
 * out of order. On SIGTERM it lets every held packet through at once and exits 0.
 *
 *   node --import tsx test/chaos/nfq-delay.ts --queue N --ms D [--jitter-ms J] [--seed S]
 *
 * It prints `ready` once bound (so the caller inserts the iptables rules only then) and,
 * at exit, `delayed N packets`. The rules should use `--queue-bypass`: when this process
 * is gone, packets pass undelayed instead of being dropped.
 *
 * nfnetlink_queue wire format (<linux/netfilter/nfnetlink_queue.h>): every message is an
 * nlmsghdr, type (NFNL_SUBSYS_QUEUE << 8) | msg, then struct nfgenmsg {family, version,
 * res_id = queue number, big-endian}, then attributes. Multi-byte fields inside the
 * attributes are big-endian.
 */
import { parseArgs } from 'node:util';
import { RawNetlinkSocket } from 'netlink';
import { seededRandom } from '../../src/core/sim/rng.js';

const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_QUEUE = 3;
const NFQNL_MSG_PACKET = 0;
const NFQNL_MSG_VERDICT = 1;
const NFQNL_MSG_CONFIG = 2;
const NFQA_PACKET_HDR = 1;
const NFQA_VERDICT_HDR = 2;
const NFQA_CFG_CMD = 1;
const NFQA_CFG_PARAMS = 2;
const NFQNL_CFG_CMD_BIND = 1;
const NFQNL_COPY_META = 1;
const NF_ACCEPT = 1;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLMSG_ERROR = 2;
const AF_UNSPEC = 0;

const align4 = (n: number) => (n + 3) & ~3;

function attr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

let seq = 1;
function message(msg: number, queue: number, flags: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([AF_UNSPEC, 0, queue >> 8, queue & 0xff]), ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE((NFNL_SUBSYS_QUEUE << 8) | msg, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq++, 8);
  h.writeUInt32LE(0, 12);
  return Buffer.concat([h, body]);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      queue: { type: 'string' },
      ms: { type: 'string' },
      'jitter-ms': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
    },
  });
  const queue = Number(values.queue);
  const ms = Number(values.ms);
  const jitter = Number(values['jitter-ms']);
  if (!Number.isInteger(queue) || queue < 0 || queue > 65535 || !(ms >= 0) || !(jitter >= 0)) {
    process.stderr.write('usage: nfq-delay --queue N --ms D [--jitter-ms J] [--seed S]\n');
    process.exit(2);
  }
  const random = seededRandom(Number(values.seed) >>> 0);
  // A large receive buffer: the package aborts the process when its socket overflows.
  const sock = new RawNetlinkSocket(NETLINK_NETFILTER, { recvBufferSize: 8 << 20, sendBufferSize: 1 << 20 });
  const held = new Map<number, NodeJS.Timeout>();
  let delayed = 0;
  let bound = false;

  const accept = (id: number) => {
    const v = Buffer.alloc(8);
    v.writeUInt32BE(NF_ACCEPT, 0);
    v.writeUInt32BE(id, 4);
    sock.send(message(NFQNL_MSG_VERDICT, queue, NLM_F_REQUEST, [attr(NFQA_VERDICT_HDR, v)]));
  };

  sock.on('error', (e) => {
    process.stderr.write(`nfq-delay: ${e.syscall ?? 'socket'}: ${e.code ?? e.message}\n`);
    process.exit(1);
  });
  sock.on('message', (buf) => {
    for (let off = 0; off + 16 <= buf.length; ) {
      const len = buf.readUInt32LE(off);
      if (len < 16 || off + len > buf.length) break;
      const type = buf.readUInt16LE(off + 4);
      if (type === NLMSG_ERROR) {
        const errno = -buf.readInt32LE(off + 16);
        if (errno !== 0) {
          process.stderr.write(`nfq-delay: the kernel refused a request (errno ${errno})\n`);
          process.exit(1);
        }
        if (!bound) {
          bound = true;
          process.stdout.write('ready\n');
        }
      } else if (type === ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) {
        // Attributes start after the nlmsghdr (16) and nfgenmsg (4).
        for (let a = off + 20; a + 4 <= off + len; ) {
          const alen = buf.readUInt16LE(a);
          const atype = buf.readUInt16LE(a + 2) & 0x3fff;
          if (alen < 4) break;
          if (atype === NFQA_PACKET_HDR) {
            const id = buf.readUInt32BE(a + 4);
            const wait = Math.max(0, ms + (random() * 2 - 1) * jitter);
            delayed++;
            held.set(
              id,
              setTimeout(() => {
                held.delete(id);
                accept(id);
              }, wait),
            );
            break;
          }
          a += align4(alen);
        }
      }
      off += align4(len);
    }
  });

  const cmd = Buffer.alloc(4);
  cmd.writeUInt8(NFQNL_CFG_CMD_BIND, 0);
  cmd.writeUInt16BE(AF_UNSPEC, 2);
  const params = Buffer.alloc(5);
  params.writeUInt32BE(0, 0);
  params.writeUInt8(NFQNL_COPY_META, 4);
  sock.send(message(NFQNL_MSG_CONFIG, queue, NLM_F_REQUEST | NLM_F_ACK, [attr(NFQA_CFG_CMD, cmd)]));
  sock.send(message(NFQNL_MSG_CONFIG, queue, NLM_F_REQUEST, [attr(NFQA_CFG_PARAMS, params)]));

  process.on('SIGTERM', () => {
    for (const [id, t] of held) {
      clearTimeout(t);
      accept(id);
    }
    held.clear();
    process.stdout.write(`delayed ${delayed} packets\n`);
    // Let the verdicts leave before the socket closes.
    setTimeout(() => {
      sock.close();
      process.exit(0);
    }, 50);
  });
}

main();
