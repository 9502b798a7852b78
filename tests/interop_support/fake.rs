//! A scripted fake broker: one listening socket on 127.0.0.1 whose first accepted connection is
//! handed to a test-supplied script running in its own thread.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct FakeBroker {
    pub port: u16,
    script: Option<JoinHandle<()>>,
}

impl FakeBroker {
    /// Listen, and run `script` on the first connection.
    pub fn start(script: impl FnOnce(TcpStream) + Send + 'static) -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake broker");
        let port = listener.local_addr().unwrap().port();
        let script = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            script(stream);
        });
        FakeBroker {
            port,
            script: Some(script),
        }
    }

    /// Wait for the script to end, re-raising its panic.
    pub fn join(mut self) {
        if let Some(handle) = self.script.take() {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Read one whole MQTT packet: (first byte, body).
pub fn read_packet(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut first = [0u8; 1];
    stream.read_exact(&mut first)?;
    let mut length: usize = 0;
    let mut shift = 0;
    loop {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b)?;
        length |= usize::from(b[0] & 0x7F) << shift;
        shift += 7;
        if b[0] & 0x80 == 0 {
            break;
        }
        if shift >= 28 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad varint"));
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok((first[0], body))
}

/// Read packets until EOF or error; returns the first bytes seen (used to drain a connection).
pub fn drain(stream: &mut TcpStream) -> Vec<u8> {
    let mut kinds = Vec::new();
    while let Ok((first, _)) = read_packet(stream) {
        kinds.push(first);
    }
    kinds
}
