//! Which broker an attempt goes to, and over what: the client-wide WebSocket choice and
//! settings, and the server list (Paho C's `serverURIs`) with failover and the return to the
//! preferred (first) entry.
//!
//! Rules of the list, the same in every loop mode (they are applied where an attempt begins,
//! `Core::begin_attempt`, whoever starts it: a connect call, the application's reconnect, or
//! the automatic reconnects of `loop_forever` / the `loop_start` thread):
//! - the first attempt goes to the first entry; an attempt after a failed attempt, a refusal in
//!   CONNACK or a lost connection goes to the next entry (after the last, the first again), after
//!   the usual reconnect backoff; an attempt after the application's own disconnect, or replacing
//!   a live connection, stays on the entry it was on;
//! - moving to another entry forgets the TLS session to resume, and the QoS 2 messages whose
//!   PUBREL the old broker may never have taken are sent again as PUBLISH (the new broker never
//!   saw them), so no QoS 1 or 2 message is lost across a move (`Session::server_changed`);
//! - with the return to the preferred entry on, a client connected to another entry checks
//!   every interval whether the first one answers (the full route: resolution, the socket, the
//!   proxy's handshake; on a helper thread, never on a loop's); when it does, the client leaves
//!   its broker with DISCONNECT (`on_disconnect` with 0) and connects to the first entry at once.
//!
//! Owns no connection state: it picks targets for `Core`.

use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use super::route::Plan;
use super::{Client, ClientEvent, Conn, Core, Target, Transport};
use crate::error::Error;
use crate::net::wake::Wake;
use crate::net::websocket::WsOptions;
use crate::protocol::Properties;

/// How long a probe of the preferred entry may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The routing choices of a client, boxed in `Core` and made only when the application sets one.
#[derive(Debug, Default)]
pub(crate) struct Routing {
    /// Targets of [`Transport::Default`] travel over WebSockets (`culex_transport_set`).
    pub(crate) websockets: bool,
    /// Path and extra header fields of the upgrade (`culex_ws_set_options`).
    pub(crate) ws_options: Option<WsOptions>,
    pub(crate) servers: Option<ServerList>,
}

/// The brokers to try in turn.
#[derive(Debug)]
pub struct ServerList {
    entries: Vec<Target>,
    /// The entry of the attempt underway, or of the last one.
    current: usize,
    /// The next attempt stays on `current` (first attempt, after the application's disconnect,
    /// after the return to the preferred entry).
    stay: bool,
    /// Check the first entry this often while connected to another one.
    prefer_first: Option<Duration>,
    /// When the next check is due, and the check underway.
    probe_at: Option<Instant>,
    probe: Option<mpsc::Receiver<bool>>,
    /// For the probe thread to wake a sleeping loop with its answer.
    waker: Option<Wake>,
}

/// A printable form of a target: `ws://host:port`, `unix:/path`.
pub(crate) fn describe(target: &Target, websockets: bool) -> String {
    match target.transport {
        Transport::Unix => format!("unix:{}", target.host),
        Transport::WebSockets => format!("ws://{}:{}", target.host, target.port),
        Transport::Tcp => format!("mqtt://{}:{}", target.host, target.port),
        Transport::Default if websockets => format!("ws://{}:{}", target.host, target.port),
        Transport::Default => format!("mqtt://{}:{}", target.host, target.port),
    }
}

impl Client {
    /// Targets of [`Transport::Default`] (every connect call's) travel over WebSockets, or not.
    /// Applies from the next attempt.
    pub fn set_websockets(&self, on: bool) {
        self.lock().routing_mut().websockets = on;
    }

    /// The request path and extra header fields of every WebSocket upgrade from the next one.
    pub fn set_ws_options(&self, options: WsOptions) {
        self.lock().routing_mut().ws_options = Some(options);
    }

    /// Try these brokers in turn from the next attempt on (an empty list: back to the target of
    /// the last connect call). `mosquitto_reconnect` and the loops' reconnects use the list; a
    /// connect call naming a broker replaces it.
    pub fn set_server_list(&self, entries: Vec<Target>) {
        let mut core = self.lock();
        let default_bind = core.default_bind.clone();
        let entries: Vec<Target> = entries
            .into_iter()
            .map(|mut t| {
                if t.bind_address.is_none() {
                    t.bind_address = default_bind.clone();
                }
                t
            })
            .collect();
        let prefer_first = core.servers().and_then(|s| s.prefer_first);
        let waker = core
            .routing
            .as_mut()
            .and_then(|r| r.servers.take())
            .and_then(|s| s.waker);
        if entries.is_empty() {
            return;
        }
        core.target = Some(Box::new(entries[0].clone()));
        core.srv = false;
        if let Some(tls) = &mut core.tls {
            tls.session = None;
        }
        core.routing_mut().servers = Some(ServerList {
            entries,
            current: 0,
            stay: true,
            prefer_first,
            probe_at: None,
            probe: None,
            waker,
        });
    }

    /// Check the first entry every `interval` while connected to another, and go back to it
    /// when it answers (`None`: stay where the client is).
    pub fn set_prefer_first(&self, interval: Option<Duration>) -> Result<(), Error> {
        let waker = match interval {
            Some(_) => Some(self.wake()?.try_clone()?),
            None => None,
        };
        let mut core = self.lock();
        let Some(list) = core.servers_mut() else {
            log::warn!("culex: no server list: set one first");
            return Err(Error::Inval);
        };
        list.prefer_first = interval;
        list.waker = waker;
        list.probe_at = interval.map(|i| Instant::now() + i);
        Ok(())
    }

    /// The index of the server list entry of the attempt underway (or of the last one); `None`
    /// without a list.
    pub fn current_server(&self) -> Option<usize> {
        self.lock().servers().map(|s| s.current)
    }
}

impl Core {
    pub(crate) fn routing_mut(&mut self) -> &mut Routing {
        self.routing.get_or_insert_with(Box::default)
    }

    fn servers(&self) -> Option<&ServerList> {
        self.routing.as_ref()?.servers.as_ref()
    }

    fn servers_mut(&mut self) -> Option<&mut ServerList> {
        self.routing.as_mut()?.servers.as_mut()
    }

    /// A connect call names one broker: the server list is gone.
    pub(crate) fn forget_server_list(&mut self) {
        if let Some(routing) = &mut self.routing {
            if routing.servers.take().is_some() {
                log::debug!("culex: a connect call replaces the server list");
            }
        }
    }

    /// Whether other entries remain to try after a failure that retrying one broker cannot cure.
    pub(crate) fn has_other_servers(&self) -> bool {
        self.servers().is_some_and(|s| s.entries.len() > 1)
    }

    /// The application disconnected: its next attempt stays on the entry.
    pub(crate) fn stay_on_server(&mut self) {
        if let Some(list) = self.servers_mut() {
            list.stay = true;
        }
    }

    /// Point `target` at the entry this attempt goes to (see the module's rules).
    pub(crate) fn choose_server(&mut self, replacing_live: bool) {
        let websockets = self.routing.as_ref().is_some_and(|r| r.websockets);
        let Some(list) = self.servers_mut() else {
            return;
        };
        let before = list.current;
        if !list.stay && !replacing_live {
            list.current = (list.current + 1) % list.entries.len();
        }
        list.stay = false;
        list.probe = None;
        list.probe_at = None;
        let (current, count) = (list.current, list.entries.len());
        let target = list.entries[current].clone();
        log::info!(
            "culex: trying server {} of {count}: {}",
            current + 1,
            describe(&target, websockets)
        );
        self.target = Some(Box::new(target));
        if current != before {
            if let Some(tls) = &mut self.tls {
                tls.session = None;
            }
            self.session.server_changed();
        }
    }

    /// CONNACK accepted the connection: on an entry other than the first, start checking the
    /// first when the application asked for it.
    pub(crate) fn server_connected(&mut self) {
        if let Some(list) = self.servers_mut() {
            list.probe_at = match list.prefer_first {
                Some(interval) if list.current != 0 => Some(Instant::now() + interval),
                _ => None,
            };
        }
    }

    /// When the next check of the preferred entry is due, if one is.
    pub(crate) fn probe_deadline(&self) -> Option<Instant> {
        self.servers().and_then(|s| s.probe_at)
    }

    /// While connected to another entry: start a due check of the first one, and go back to it
    /// once a check found it answering.
    pub(crate) fn check_preferred(&mut self, now: Instant, wake: &OnceLock<Wake>) {
        if !self.session.is_connected() {
            return;
        }
        let plan = self.probe_plan();
        let Some(list) = self.servers_mut() else {
            return;
        };
        if list.current == 0 || list.prefer_first.is_none() {
            return;
        }
        if let Some(rx) = &list.probe {
            match rx.try_recv() {
                Ok(true) => {
                    list.probe = None;
                    self.return_to_preferred(now, wake);
                }
                Ok(false) | Err(mpsc::TryRecvError::Disconnected) => {
                    list.probe = None;
                    list.probe_at = list.prefer_first.map(|i| now + i);
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            return;
        }
        if list.probe_at.is_some_and(|at| at <= now) {
            list.probe_at = None;
            let (tx, rx) = mpsc::channel();
            let waker = list.waker.as_ref().and_then(|w| w.try_clone().ok());
            let spawned = std::thread::Builder::new()
                .name("culex-probe".into())
                .spawn(move || {
                    let deadline = Instant::now() + PROBE_TIMEOUT;
                    let up =
                        super::connect::connect_blocking(&plan, PROBE_TIMEOUT, deadline).is_ok();
                    let _ = tx.send(up);
                    if let Some(waker) = waker {
                        waker.signal();
                    }
                });
            match spawned {
                Ok(_) => list.probe = Some(rx),
                Err(e) => {
                    log::warn!("culex: cannot check the preferred server: {e}");
                    list.probe_at = list.prefer_first.map(|i| now + i);
                }
            }
        }
    }

    /// How a probe reaches the first entry.
    fn probe_plan(&self) -> Plan {
        let first = self
            .servers()
            .map(|s| s.entries[0].clone())
            .or_else(|| self.target.as_deref().cloned())
            .unwrap_or(Target {
                host: Box::from(""),
                port: 0,
                bind_address: None,
                transport: Transport::Tcp,
            });
        self.plan(first)
    }

    /// The first entry answers: leave the current broker cleanly and connect to it now.
    fn return_to_preferred(&mut self, now: Instant, wake: &OnceLock<Wake>) {
        log::info!("culex: the first server answers again: going back to it");
        if let Some(list) = self.servers_mut() {
            list.current = 0;
            list.stay = true;
        }
        if self.session.disconnect(0, Properties::default()).is_ok() {
            // DISCONNECT is two bytes: it goes out now unless the socket is full, and then the
            // connection is dropped without it.
            let _ = self.write_ready(now);
        }
        if !matches!(self.conn, Conn::Idle) {
            self.close(None);
        }
        // As `loop_forever`'s own reconnects: the application hears of the attempt first.
        self.push_event(ClientEvent::PreConnect);
        if let Err(e) = self.start_async(now, wake) {
            self.push_event(ClientEvent::ConnectFailed(e));
        }
    }
}
