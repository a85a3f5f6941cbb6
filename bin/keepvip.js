#!/usr/bin/env -S node --no-memory-reducer
// --no-memory-reducer: V8's memory reducer runs full collections (3 to 11 ms pauses here)
// in the seconds after each major GC, start-up included; a VRRP timer due during one fires
// that late. Run as `keepvip` (the systemd unit, the container), not `node bin/keepvip.js`,
// to get it. docs/operations.md, Memory and pauses.
import '../dist/cli.js';
