//! An HTTP CONNECT proxy for the tests (RFC 9110 §9.3.6), written here: one thread per client,
//! Basic authentication when asked for (407 otherwise), tunnels only to 127.0.0.1 ports the test
//! allows (502 for anything else, or when nothing listens there), then bytes copied both ways.
//! Every request is recorded, so a test can check what the client sent and how often.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::events::EventLog;

/// What the proxy saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A CONNECT request: its target and its `Proxy-Authorization` value, if any.
    Request {
        target: String,
        authorization: Option<String>,
    },
    /// A tunnel opened to this target.
    Tunnel(String),
    /// The proxy answered with this status instead.
    Refused(u16),
    /// Something that is not an HTTP CONNECT request.
    Violation(String),
}

/// How the proxy behaves.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Require `Proxy-Authorization: Basic` with this username and password.
    pub credentials: Option<(String, String)>,
    /// The 127.0.0.1 ports a tunnel may go to.
    pub ports: Vec<u16>,
}

pub struct HttpProxy {
    pub port: u16,
    seen: Arc<EventLog<Seen>>,
    clients: Arc<Mutex<Vec<TcpStream>>>,
}

impl HttpProxy {
    pub fn start(rules: Rules) -> HttpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(EventLog::new());
        let clients = Arc::new(Mutex::new(Vec::new()));
        let (seen2, clients2) = (Arc::clone(&seen), Arc::clone(&clients));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if let Ok(copy) = stream.try_clone() {
                    clients2.lock().unwrap().push(copy);
                }
                let (rules, seen) = (rules.clone(), Arc::clone(&seen2));
                std::thread::spawn(move || serve(stream, &rules, &seen));
            }
        });
        HttpProxy {
            port,
            seen,
            clients,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.snapshot()
    }

    /// The tunnels opened so far.
    pub fn tunnels(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| matches!(s, Seen::Tunnel(_)))
            .count()
    }

    pub fn violations(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| matches!(s, Seen::Violation(_)))
            .collect()
    }

    /// Cut every connection made so far.
    pub fn drop_all(&self) {
        for s in self.clients.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// The request head, byte by byte (so nothing after it is taken), at most 8 KiB.
fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || s.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

fn answer(client: &mut TcpStream, seen: &EventLog<Seen>, status: u16, text: &str) {
    seen.push(Seen::Refused(status));
    let _ = client
        .write_all(format!("HTTP/1.1 {status} {text}\r\nContent-Length: 0\r\n\r\n").as_bytes());
}

fn serve(mut client: TcpStream, rules: &Rules, seen: &EventLog<Seen>) {
    client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let Some(head) = read_head(&mut client) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or("");
    let parts: Vec<&str> = request.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return seen.push(Seen::Violation(format!("request line {request:?}")));
    };
    if method != "CONNECT" || !version.starts_with("HTTP/1.") {
        return seen.push(Seen::Violation(format!("request line {request:?}")));
    }
    let field = |name: &str| {
        head.split("\r\n").skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    if field("Host").as_deref() != Some(target) {
        return seen.push(Seen::Violation(format!("Host is not {target:?}")));
    }
    let authorization = field("Proxy-Authorization");
    seen.push(Seen::Request {
        target: target.to_owned(),
        authorization: authorization.clone(),
    });
    if let Some((user, pass)) = &rules.credentials {
        let expect = format!(
            "Basic {}",
            openssl::base64::encode_block(format!("{user}:{pass}").as_bytes())
        );
        if authorization.as_deref() != Some(&expect) {
            return answer(&mut client, seen, 407, "Proxy Authentication Required");
        }
    }
    let port = target
        .rsplit_once(':')
        .filter(|(host, _)| *host == "127.0.0.1" || *host == "localhost")
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .filter(|port| rules.ports.contains(port));
    let upstream = port.and_then(|port| TcpStream::connect(("127.0.0.1", port)).ok());
    let Some(upstream) = upstream else {
        return answer(&mut client, seen, 502, "Bad Gateway");
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\nVia: 1.1 culex-test-proxy\r\n\r\n")
        .is_err()
    {
        return;
    }
    seen.push(Seen::Tunnel(target.to_owned()));
    client.set_read_timeout(None).unwrap();
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut client, mut upstream) = (client, upstream);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(Shutdown::Both);
    });
    let _ = std::io::copy(&mut client, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Both);
}
