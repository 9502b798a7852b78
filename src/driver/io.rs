//! Moving bytes between the socket and the session: read, write, timers, the proxy, TLS and
//! WebSocket handshakes, and closing.
//!
//! Everything here runs with the client's lock held and never calls application code.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{ClientEvent, Conn, Core, Link};
use crate::error::Error;
use crate::net::socket::{Io, Socket};
use crate::net::wake::Wake;
use crate::session::State;

/// Bytes read per `read` call; the buffer belongs to the thread, not to each client.
const READ_CHUNK: usize = 16 * 1024;
/// Most bytes read in one `loop_read`, so one busy connection cannot starve the caller.
const READ_BUDGET: usize = 1024 * 1024;
/// Output buffers with more room than this give it back to the allocator once idle...
const OUT_KEEP: usize = 64 * 1024;
/// ... for this long (no flush needed that much room). While busy they keep their room, so
/// that a stream of large messages does not regrow (and page-fault) a buffer on every batch.
const OUT_IDLE: Duration = Duration::from_secs(1);
/// While more bytes than this (64 KiB) wait to be written (acknowledgements the broker does not read, or
/// the application's own large output), the driver reads nothing more: a broker that sends
/// without reading gets back-pressure instead of a client whose memory grows without bound.
/// Reading resumes once the backlog has drained below it.
pub(crate) const OUT_BACKLOG_MAX: usize = 64 << 10;

thread_local! {
    /// The read buffer of this thread: allocated (and zeroed) once, not on every read.
    static READ_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Core {
    /// Read what the socket has and feed it to the session, then send what that produced.
    pub(crate) fn read_ready(&mut self, now: Instant) -> Result<(), Error> {
        match self.conn {
            Conn::Connecting { .. } => return self.connect_progress(now),
            Conn::Proxying { .. } => return self.proxy_progress(now),
            Conn::Handshaking { .. } => return self.handshake_progress(now),
            Conn::Upgrading { .. } => return self.upgrade_progress(now),
            Conn::Open { .. } => {}
            _ => return Err(Error::NoConn),
        }
        if self.reading_paused(now)? {
            return Ok(());
        }
        self.read_input(now)?;
        if let Conn::Idle = self.conn {
            // Ended by the broker's MQTT 5 DISCONNECT (reported as a disconnect, not an error).
            return Ok(());
        }
        self.after_input(now)
    }

    /// Bytes waiting to be written: taken from the session and not yet written, and still in
    /// the session.
    pub(crate) fn backlog(&self) -> usize {
        self.out.len() - self.out_pos + self.session.transmit_len()
    }

    /// Whether reading must wait for the output backlog to drain (after trying to write it).
    fn reading_paused(&mut self, now: Instant) -> Result<bool, Error> {
        if self.backlog() > OUT_BACKLOG_MAX {
            self.write_ready(now)?;
        }
        Ok(self.note_backlog())
    }

    /// Whether the backlog is over the limit; logs when a pause starts and when it ends.
    fn note_backlog(&mut self) -> bool {
        let paused = self.backlog() > OUT_BACKLOG_MAX;
        if paused != self.read_paused {
            self.read_paused = paused;
            if paused {
                log::warn!(
                    "culex: {} bytes wait to be written (the broker is not reading): reading \
                     paused until they drain",
                    self.backlog()
                );
            } else {
                log::info!("culex: output drained; reading resumed");
            }
        }
        paused
    }

    /// Whether the loops should poll the socket for reading.
    pub(crate) fn wants_read(&self) -> bool {
        self.backlog() <= OUT_BACKLOG_MAX
    }

    /// Read what the socket has into this thread's buffer and feed it to the session. On
    /// failure the connection is closed.
    fn read_input(&mut self, now: Instant) -> Result<(), Error> {
        let read = READ_BUF.try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                if buf.len() < READ_CHUNK {
                    buf.resize(READ_CHUNK, 0);
                }
                self.read_into(now, &mut buf)
            }
            // Re-entered on this thread (cannot happen today), or in a thread's destructors.
            Err(_) => self.read_into(now, &mut [0u8; READ_CHUNK]),
        });
        match read {
            Ok(result) => result,
            Err(_) => self.read_into(now, &mut [0u8; READ_CHUNK]),
        }
    }

    fn read_into(&mut self, now: Instant, buf: &mut [u8]) -> Result<(), Error> {
        let mut total = 0;
        let result = loop {
            match self.read_some(buf) {
                Ok(Io::Eof) => break Err(Error::ConnLost),
                Ok(Io::Done(n)) => {
                    total += n;
                    if let Err(e) = self.session.handle_bytes(now, &buf[..n]) {
                        log::warn!("culex: closing the connection: {e}");
                        // Let an MQTT 5 DISCONNECT with the reason out before closing.
                        let _ = self.write_ready(now);
                        break Err(e);
                    }
                    let Conn::Open { stream } = &self.conn else {
                        break Ok(());
                    };
                    // TLS hands out one record per read and may hold more already decrypted,
                    // which poll(2) would never announce: go on until it would block. The
                    // budget only stops at a point where the rest is still in the socket.
                    let drained = stream.short_read_drains() && n < buf.len();
                    if drained || (total >= READ_BUDGET && stream.pending() == 0) {
                        break Ok(());
                    }
                    if self.backlog() > OUT_BACKLOG_MAX && stream.pending() == 0 {
                        // Write before reading more; the loops stop polling for input until
                        // the backlog drains.
                        self.note_backlog();
                        break Ok(());
                    }
                }
                Ok(Io::WouldBlock) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.keep_tls_session();
        if let Err(e) = &result {
            self.close(Some(e.clone()));
            if *e == Error::ConnLost && self.session.has_server_disconnect() {
                // The broker ended the connection with an MQTT 5 DISCONNECT: `on_disconnect`
                // tells its reason code; the loop call itself went well (libmosquitto's answer).
                return Ok(());
            }
        }
        result
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        match &mut self.conn {
            Conn::Open { stream } => stream.read(buf),
            _ => Err(Error::NoConn),
        }
    }

    /// Keep a resumable TLS session of this connection for the next one (TLS 1.3 brokers send
    /// it after the handshake, so this is checked after reads too).
    fn keep_tls_session(&mut self) {
        let Some(tls) = self.tls.as_deref_mut() else {
            return;
        };
        if !tls.config.resume_sessions {
            return;
        }
        if let Conn::Open { stream } = &mut self.conn {
            if let Some(session) = stream.tls().and_then(|s| s.take_session()) {
                tls.session = Some(session);
            }
        }
    }

    /// After input: a refused CONNACK ends the connection; otherwise send acknowledgements now.
    fn after_input(&mut self, now: Instant) -> Result<(), Error> {
        self.check_refused()?;
        self.write_ready(now)
    }

    /// A refused CONNACK (the session went offline on input) ends the connection.
    fn check_refused(&mut self) -> Result<(), Error> {
        if self.session.state() == crate::session::State::Offline {
            let refused = Error::ConnRefused(0);
            self.close(Some(refused.clone()));
            return Err(refused);
        }
        Ok(())
    }

    /// Write pending bytes (taking new ones from the session first); completes a TCP connect.
    pub(crate) fn write_ready(&mut self, now: Instant) -> Result<(), Error> {
        match self.conn {
            Conn::Connecting { .. } => return self.connect_progress(now),
            Conn::Proxying { .. } => return self.proxy_progress(now),
            Conn::Handshaking { .. } => return self.handshake_progress(now),
            Conn::Upgrading { .. } => return self.upgrade_progress(now),
            _ => {}
        }
        let Conn::Open { stream } = &self.conn else {
            return Err(Error::NoConn);
        };
        if stream.read_wants_write() {
            // A TLS read stopped because OpenSSL had to write first (a KeyUpdate or another
            // post-handshake message to answer while the socket was full). OpenSSL wants that
            // same read repeated, so repeat it now that the socket is writable: it sends the
            // answer and goes on reading. Not through read_ready, which writes again and could
            // come back here while the socket stays full.
            self.read_input(now)?;
            self.check_refused()?;
        }
        let Conn::Open { stream } = &mut self.conn else {
            return Err(Error::NoConn);
        };
        // Take new bytes from the session only once the socket took the old ones: the session
        // reports a QoS 0 message published when it hands it over, so it must not hand over more
        // than the socket is taking (and a backlog stays in one place, the session's buffer).
        let mut result = Ok(());
        'flush: loop {
            // What the stream holds of its own (WebSocket pongs, a frame partly written) first.
            match stream.flush() {
                Ok(Io::Done(_)) => {}
                Ok(Io::WouldBlock) => break 'flush,
                Ok(Io::Eof) => {
                    result = Err(Error::ConnLost);
                    break 'flush;
                }
                Err(e) => {
                    result = Err(e);
                    break 'flush;
                }
            }
            if self.out_pos == self.out.len() {
                self.out.clear();
                self.out_pos = 0;
                if self.session.poll_transmit(now, &mut self.out) == 0 {
                    break;
                }
                // Nothing leaves that the session store (if any) does not hold (group commit).
                if let Err(e) = self.session.commit_journal() {
                    result = Err(e);
                    break 'flush;
                }
            }
            while self.out_pos < self.out.len() {
                match stream.write(&self.out[self.out_pos..]) {
                    Ok(Io::Done(n)) => self.out_pos += n,
                    Ok(Io::Eof) => {
                        result = Err(Error::ConnLost);
                        break 'flush;
                    }
                    Ok(Io::WouldBlock) => break 'flush,
                    Err(e) => {
                        result = Err(e);
                        break 'flush;
                    }
                }
                // Nothing leaves that the session store (if any) does not hold (group commit).
                if let Err(e) = self.session.commit_journal() {
                    result = Err(e);
                    break 'flush;
                }
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.session.state() == State::AwaitingConnAck {
                // Only CONNECT (and AUTH) go out before CONNACK: give their buffer back, so a
                // client that then idles holds none (the session's is empty: they traded).
                self.out = Vec::new();
            }
        }
        if self.out.capacity() > OUT_KEEP {
            // Busy with large output: keep the room (see OUT_IDLE); misc gives it back later.
            self.out_busy_at = Some(now);
        }
        if let Err(e) = result {
            self.close(Some(e.clone()));
            return Err(e);
        }
        if self.read_paused {
            self.note_backlog();
        }
        if self.out.is_empty() && self.session.is_closing() {
            self.close(None);
        }
        Ok(())
    }

    /// Timers: keepalive, CONNACK and connect timeouts, name resolution results, the check of a
    /// server list's preferred entry.
    pub(crate) fn misc(&mut self, now: Instant, wake: &OnceLock<Wake>) -> Result<(), Error> {
        match self.conn {
            Conn::Idle => {
                self.offline_timers(now);
                return Err(Error::NoConn);
            }
            Conn::Resolving { .. }
            | Conn::Connecting { .. }
            | Conn::Proxying { .. }
            | Conn::Pending { .. }
            | Conn::Handshaking { .. }
            | Conn::Upgrading { .. } => {
                self.offline_timers(now);
                return self.connect_progress(now);
            }
            Conn::Open { .. } => {}
        }
        self.shrink_when_idle(now);
        if let Err(e) = self.session.handle_timeout(now) {
            log::warn!("culex: closing the connection: {e}");
            self.close(Some(e.clone()));
            return Err(e);
        }
        self.check_preferred(now, wake);
        Ok(())
    }

    /// The session's timers while no connection is up: only the queue's time-to-live runs then
    /// (keepalive and CONNACK wait for a transport).
    pub(crate) fn offline_timers(&mut self, now: Instant) {
        if self.session.poll_timeout().is_some_and(|at| at <= now) {
            let _ = self.session.handle_timeout(now);
        }
    }

    /// Give the output buffers' room back once no flush needed it for `OUT_IDLE`.
    fn shrink_when_idle(&mut self, now: Instant) {
        let Some(busy_at) = self.out_busy_at else {
            return;
        };
        if self.out_pos < self.out.len() {
            // Still writing (the socket is full): busy, not idle.
            self.out_busy_at = Some(now);
            return;
        }
        if now.saturating_duration_since(busy_at) < OUT_IDLE {
            return;
        }
        self.out_busy_at = None;
        self.out.clear();
        self.out_pos = 0;
        self.out.shrink_to(0);
        // The session's buffer trades places with `out` on every flush: it grew just as much.
        self.session.shrink_transmit(OUT_KEEP / 16);
    }

    /// The instant `misc` next has work, if any.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match &self.conn {
            Conn::Open { .. } => [
                self.session.poll_timeout(),
                self.out_busy_at.map(|at| at + OUT_IDLE),
                self.probe_deadline(),
            ]
            .into_iter()
            .flatten()
            .min(),
            Conn::Connecting { since, .. }
            | Conn::Resolving { since, .. }
            | Conn::Proxying { since, .. }
            | Conn::Handshaking { since, .. }
            | Conn::Upgrading { since, .. }
            | Conn::Pending { since } => {
                let attempt = *since + self.connect_timeout();
                // The session's only timer before a transport: the queue's time-to-live.
                Some(
                    self.session
                        .poll_timeout()
                        .map_or(attempt, |t| t.min(attempt)),
                )
            }
            Conn::Idle => self.session.poll_timeout(),
        }
    }

    /// End the connection. An established one reports `Disconnected(reason)`.
    pub(crate) fn close(&mut self, reason: Option<Error>) {
        let was_open = matches!(self.conn, Conn::Open { .. });
        // The broker (or the link) ended an attempt before its CONNACK.
        let before_connack = was_open && !self.session.connack_received() && !self.user_disconnect;
        if let Conn::Open { stream } = &mut self.conn {
            stream.close();
        }
        self.conn = Conn::Idle;
        // What the transport never took (a PUBCOMP among it must not count as sent).
        let unwritten = self.out.len() - self.out_pos;
        self.out.clear();
        self.out_pos = 0;
        self.out_busy_at = None;
        if self.out.capacity() > OUT_KEEP {
            self.out.shrink_to(0);
        }
        self.session.connection_lost_unwritten(unwritten);
        self.session.shrink_transmit(OUT_KEEP / 16);
        self.read_paused = false;
        if was_open {
            if reason.is_none() {
                log::debug!("culex: disconnected");
            }
            if before_connack {
                let why = reason.clone().unwrap_or(Error::ConnLost);
                self.push_event(ClientEvent::ConnectFailed(why));
            }
            self.push_event(ClientEvent::Disconnected(reason));
        }
    }

    /// Drop a connection attempt that has not reached TCP yet (or not finished it).
    pub(crate) fn abandon_attempt(&mut self) {
        if !matches!(self.conn, Conn::Open { .. }) {
            self.conn = Conn::Idle;
            self.session.connection_lost();
        }
    }

    /// The socket to the broker `host` is up (through the proxy if any): start TLS on it when
    /// configured, else go on to WebSockets or MQTT.
    pub(crate) fn secure(&mut self, stream: Socket, host: &str, now: Instant) -> Result<(), Error> {
        if self.tcp_nodelay {
            if let Err(e) = stream.set_nodelay(true) {
                self.abandon_attempt();
                return Err(e);
            }
        }
        if !self.tls_enabled() {
            return self.link_up(Link::Plain(stream), now);
        }
        match self.tls_mut().start(host, stream) {
            Ok(tls) => {
                // The handshake's first step (the ClientHello) is left to the loop, which finds
                // the socket writable at once: so a connect call never depends on how fast the
                // broker answers, and a certificate that does not verify is always the loop's
                // MOSQ_ERR_TLS.
                self.conn = Conn::Handshaking {
                    stream: Box::new(tls),
                    since: now,
                };
                Ok(())
            }
            Err(e) => {
                self.abandon_attempt();
                Err(e)
            }
        }
    }

    /// Advance the TLS handshake; on completion start MQTT. A failure ends the attempt (the
    /// reason is logged by the TLS layer).
    pub(crate) fn handshake_progress(&mut self, now: Instant) -> Result<(), Error> {
        let Conn::Handshaking { stream, .. } = &mut self.conn else {
            return Ok(());
        };
        match stream.handshake() {
            Ok(false) => Ok(()),
            Ok(true) => {
                let Conn::Handshaking { stream, .. } =
                    std::mem::replace(&mut self.conn, Conn::Idle)
                else {
                    unreachable!("checked above");
                };
                self.link_up(Link::Tls(stream), now)
            }
            Err(e) => {
                self.attempt_failed(&e);
                Err(e)
            }
        }
    }

    /// The transport is up (the socket, TLS after its handshake, a WebSocket after its
    /// upgrade): start MQTT on it.
    pub(crate) fn established(&mut self, stream: super::Stream, now: Instant) -> Result<(), Error> {
        self.conn = Conn::Open { stream };
        self.keep_tls_session();
        self.out.clear();
        self.out_pos = 0;
        self.session.transport_ready(now);
        self.write_ready(now)
    }
}
