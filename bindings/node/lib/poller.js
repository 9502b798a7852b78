'use strict';
// Readiness of descriptors for Node's event loop. Node cannot watch a descriptor it does not
// read itself, so one poll(2) at a time runs on a libuv worker thread (koffi's async call) and
// its answer comes back to the main thread as a callback. The call includes the read end of a
// pipe: writing a byte to it ends a poll early when the set of descriptors changes. Nothing
// polls on a timer.

const { sys } = require('./native');

const POLLIN = 0x1;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
// A pollfd is { int fd; short events; short revents; }.
const POLLFD = 8;

class Poller {
  constructor() {
    const fds = new Int32Array(2);
    if (sys.pipe2(fds, O_NONBLOCK | O_CLOEXEC) !== 0) throw new Error('pipe2 failed');
    [this._wakeRead, this._wakeWrite] = fds;
    this._watches = new Map(); // fd -> { write, ready(revents) }
    this._polling = false;
    this._woken = false;
    this._closed = false;
    this._scratch = Buffer.alloc(64);
    this._wakeByte = Buffer.from([1]);
  }

  /** Watch fd for reading, and for writing too when `write`; `ready(revents)` on the main thread. */
  watch(fd, write, ready) {
    const had = this._watches.get(fd);
    if (had && had.write === write && had.ready === ready) return;
    this._watches.set(fd, { write, ready });
    this._changed();
  }

  unwatch(fd) {
    if (this._watches.delete(fd)) this._changed();
  }

  /** Frees the pipe once no poll runs. */
  close() {
    this._closed = true;
    this._watches.clear();
    if (this._polling) this._wake();
    else this._release();
  }

  _release() {
    if (this._wakeRead < 0) return;
    sys.close(this._wakeRead);
    sys.close(this._wakeWrite);
    this._wakeRead = this._wakeWrite = -1;
  }

  _changed() {
    if (this._polling) this._wake();
    else this._arm();
  }

  _wake() {
    if (this._woken) return;
    this._woken = true;
    sys.write(this._wakeWrite, this._wakeByte, 1);
  }

  _arm() {
    if (this._polling || this._closed || this._watches.size === 0) return;
    const entries = [...this._watches];
    const buf = Buffer.alloc(POLLFD * (entries.length + 1));
    buf.writeInt32LE(this._wakeRead, 0);
    buf.writeInt16LE(POLLIN, 4);
    entries.forEach(([fd, w], i) => {
      buf.writeInt32LE(fd, POLLFD * (i + 1));
      buf.writeInt16LE(w.write ? POLLIN | POLLOUT : POLLIN, POLLFD * (i + 1) + 4);
    });
    this._polling = true;
    // Wakes at least once a second, which the clients' keepalive checks need anyway.
    sys.poll.async(buf, entries.length + 1, 1000, (err, n) => {
      this._polling = false;
      if (this._woken) {
        while (sys.read(this._wakeRead, this._scratch, this._scratch.length) > 0);
        this._woken = false;
      }
      if (this._closed) {
        this._release();
        return;
      }
      if (!err && n > 0) {
        entries.forEach(([fd, w], i) => {
          const revents = buf.readInt16LE(POLLFD * (i + 1) + 6);
          // Only if the watch is still the one polled for (not closed or replaced since).
          if (revents && this._watches.get(fd) === w) w.ready(revents);
        });
      }
      this._arm();
    });
  }
}

module.exports = { Poller, POLLIN, POLLOUT, POLLERR, POLLHUP };
