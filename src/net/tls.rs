//! TLS over a non-blocking TCP stream, with OpenSSL.
//!
//! This module owns three things:
//! - [`TlsConfig`], everything an application can say about TLS (CA, client certificate, key and
//!   its password, verification, versions, ciphers, PSK, ALPN, OCSP, its own `SSL_CTX`), and
//!   [`build_context`], which turns it into an OpenSSL context once, outside any lock;
//! - [`TlsStream`], one connection: a handshake advanced step by step ([`TlsStream::handshake`]),
//!   and reads and writes that report "would block" instead of waiting, remembering whether
//!   OpenSSL needs the socket readable or writable to go on;
//! - the words of a failure: every refusal is logged with OpenSSL's reason (certificate verify
//!   failed: unable to get local issuer certificate, hostname mismatch, certificate has expired,
//!   an alert from the broker, …).
//!
//! Secure by default: the broker's certificate is verified, and so is its name (a DNS name or an
//! IP address, whichever the application connected to); SNI carries DNS names.
//!
//! It never touches OpenSSL's global state: initialisation is the `openssl` crate's (idempotent,
//! shared with a host application), no configuration file is loaded, no global callback is set.

use std::fmt;
use std::io::ErrorKind;
use std::net::IpAddr;
use std::os::fd::RawFd;
use std::path::PathBuf;
use std::sync::Arc;

use foreign_types::ForeignTypeRef;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::ocsp::{OcspCertId, OcspCertStatus, OcspFlag, OcspResponse, OcspResponseStatus};
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslRef,
    SslSession, SslStream, SslVerifyMode, SslVersion, StatusType,
};
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::{X509VerifyResult, X509};

use super::socket::{ByteIo, Socket};
use crate::error::Error;

/// Asks the application for the password of an encrypted private key: fills the buffer and
/// returns the password's length (`None`: no password).
pub type PasswordFn = dyn Fn(&mut [u8]) -> Option<usize> + Send + Sync;

/// The lowest TLS version to accept (`tls_opts_set`'s `tls_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    V1_0,
    V1_1,
    V1_2,
    V1_3,
}

impl TlsVersion {
    /// The version named by libmosquitto's strings: `tlsv1.3`, `tlsv1.2`, `tlsv1.1`, `tlsv1`.
    pub fn from_name(name: &str) -> Option<TlsVersion> {
        match name {
            "tlsv1.3" => Some(TlsVersion::V1_3),
            "tlsv1.2" => Some(TlsVersion::V1_2),
            "tlsv1.1" => Some(TlsVersion::V1_1),
            "tlsv1" => Some(TlsVersion::V1_0),
            _ => None,
        }
    }

    fn openssl(self) -> SslVersion {
        match self {
            TlsVersion::V1_0 => SslVersion::TLS1,
            TlsVersion::V1_1 => SslVersion::TLS1_1,
            TlsVersion::V1_2 => SslVersion::TLS1_2,
            TlsVersion::V1_3 => SslVersion::TLS1_3,
        }
    }
}

/// Where a trusted CA, a client certificate or a key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// PEM text given by the application (Culex extension).
    Pem(Vec<u8>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "File({})", path.display()),
            Source::Pem(pem) => write!(f, "Pem({} bytes)", pem.len()),
        }
    }
}

/// A pre-shared key and the identity sent with it.
#[derive(Clone, PartialEq, Eq)]
pub struct Psk {
    pub key: Vec<u8>,
    pub identity: String,
    pub ciphers: Option<String>,
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key itself never goes into a log line.
        write!(f, "Psk {{ identity: {:?}, .. }}", self.identity)
    }
}

/// Everything the application configured about TLS. TLS is used when [`TlsConfig::enabled`].
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// A CA file or PEM text (`cafile`, or the in-memory CA extension).
    pub ca: Option<Source>,
    /// A directory of hashed CA certificates (`capath`).
    pub ca_path: Option<PathBuf>,
    /// The client certificate (chain) and its key.
    pub cert: Option<Source>,
    pub key: Option<Source>,
    /// The application's password callback for an encrypted key; without one, OpenSSL's own
    /// default (a prompt on the terminal) applies, as with libmosquitto.
    pub key_password: Option<Arc<PasswordFn>>,
    /// Verify the broker's certificate (`cert_reqs` 1, the default) or not (0).
    pub verify_peer: bool,
    /// Skip the check of the broker's name against its certificate (`tls_insecure_set`).
    pub insecure: bool,
    pub min_version: Option<TlsVersion>,
    /// Cipher names; those starting with `TLS_` are TLS 1.3 suites.
    pub ciphers: Option<String>,
    pub psk: Option<Psk>,
    /// Trust the system's CA store as well.
    pub use_os_certs: bool,
    /// One ALPN protocol to offer.
    pub alpn: Option<String>,
    /// Fail unless the broker staples a good OCSP response.
    pub ocsp_required: bool,
    /// Load the key through an OpenSSL engine (`MOSQ_OPT_TLS_KEYFORM` "engine").
    pub key_from_engine: bool,
    /// The engine's id (`MOSQ_OPT_TLS_ENGINE`).
    pub engine: Option<String>,
    /// Hex SHA-1 of the key password, handed to the engine as its PIN.
    pub engine_kpass_sha1: Option<String>,
    /// The application's own context (`MOSQ_OPT_SSL_CTX`), used as it is unless `app_defaults`.
    pub app_ctx: Option<SslContext>,
    pub app_defaults: bool,
    /// Offer the session of the last connection again (on by default).
    pub resume_sessions: bool,
}

impl TlsConfig {
    /// The defaults: nothing configured, verification on, session resumption on.
    pub fn new() -> TlsConfig {
        TlsConfig {
            verify_peer: true,
            resume_sessions: true,
            ..TlsConfig::default()
        }
    }

    /// Whether connections use TLS: a trust anchor, a PSK or an application context is set.
    pub fn enabled(&self) -> bool {
        self.ca.is_some()
            || self.ca_path.is_some()
            || self.use_os_certs
            || self.psk.is_some()
            || self.app_ctx.is_some()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca", &self.ca)
            .field("ca_path", &self.ca_path)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("key_password", &self.key_password.is_some())
            .field("verify_peer", &self.verify_peer)
            .field("insecure", &self.insecure)
            .field("min_version", &self.min_version)
            .field("psk", &self.psk)
            .field("alpn", &self.alpn)
            .field("app_ctx", &self.app_ctx.is_some())
            .finish_non_exhaustive()
    }
}

/// Log why building the context failed and give `Error::Tls`.
fn setup_failed(what: &str, e: impl fmt::Display) -> Error {
    log::warn!("culex: TLS setup: {what}: {e}");
    Error::Tls
}

/// Build the OpenSSL context for `config`. May call the key password callback; call it without
/// any lock held.
pub fn build_context(config: &TlsConfig) -> Result<SslContext, Error> {
    let mut builder = match &config.app_ctx {
        Some(ctx) if !config.app_defaults => return Ok(ctx.clone()),
        Some(ctx) => {
            // SAFETY: the pointer is a live context; the reference taken here is the one the
            // builder releases, so the application's own reference stays valid.
            unsafe {
                openssl_sys::SSL_CTX_up_ref(ctx.as_ptr());
                SslContextBuilder::from_ptr(ctx.as_ptr())
            }
        }
        None => SslContextBuilder::new(SslMethod::tls_client())
            .map_err(|e| setup_failed("cannot create a context", e))?,
    };
    apply_defaults(&mut builder, config)?;
    Ok(builder.build())
}

fn apply_defaults(b: &mut SslContextBuilder, config: &TlsConfig) -> Result<(), Error> {
    b.set_options(SslOptions::NO_COMPRESSION);
    let min = config.min_version.unwrap_or(TlsVersion::V1_2);
    b.set_min_proto_version(Some(min.openssl()))
        .map_err(|e| setup_failed("cannot set the TLS version", e))?;
    b.set_verify(if config.verify_peer {
        SslVerifyMode::PEER
    } else {
        SslVerifyMode::NONE
    });
    match &config.ca {
        Some(Source::File(path)) => b
            .set_ca_file(path)
            .map_err(|e| setup_failed(&format!("cannot load CA file {}", path.display()), e))?,
        Some(Source::Pem(pem)) => {
            let certs = X509::stack_from_pem(pem)
                .map_err(|e| setup_failed("cannot parse the CA certificates", e))?;
            if certs.is_empty() {
                return Err(setup_failed(
                    "CA certificates",
                    "no certificate in the PEM text",
                ));
            }
            for cert in certs {
                b.cert_store_mut()
                    .add_cert(cert)
                    .map_err(|e| setup_failed("cannot add a CA certificate", e))?;
            }
        }
        None => {}
    }
    if let Some(dir) = &config.ca_path {
        b.load_verify_locations(None, Some(dir))
            .map_err(|e| setup_failed(&format!("cannot use CA path {}", dir.display()), e))?;
    }
    if config.use_os_certs {
        b.set_default_verify_paths()
            .map_err(|e| setup_failed("cannot load the system's CA certificates", e))?;
    }
    let ciphers = match &config.psk {
        Some(psk) if psk.ciphers.is_some() => psk.ciphers.as_deref(),
        _ => config.ciphers.as_deref(),
    };
    if let Some(list) = ciphers {
        set_ciphers(b, list)?;
    }
    load_client_identity(b, config)?;
    if let Some(psk) = &config.psk {
        let psk = psk.clone();
        b.set_psk_client_callback(move |_ssl, _hint, identity, key| {
            let id = psk.identity.as_bytes();
            if id.len() + 1 > identity.len() || psk.key.len() > key.len() {
                log::warn!("culex: TLS PSK identity or key too long");
                return Ok(0);
            }
            identity[..id.len()].copy_from_slice(id);
            identity[id.len()] = 0;
            key[..psk.key.len()].copy_from_slice(&psk.key);
            Ok(psk.key.len())
        });
    }
    if let Some(proto) = &config.alpn {
        let mut wire = vec![proto.len() as u8];
        wire.extend_from_slice(proto.as_bytes());
        b.set_alpn_protos(&wire)
            .map_err(|e| setup_failed("cannot set ALPN", e))?;
    }
    b.set_mode(SslMode::ENABLE_PARTIAL_WRITE | SslMode::ACCEPT_MOVING_WRITE_BUFFER);
    Ok(())
}

/// Split `list` into TLS 1.3 suites (`TLS_…`) and older cipher names, and set each part given.
fn set_ciphers(b: &mut SslContextBuilder, list: &str) -> Result<(), Error> {
    let (suites, older): (Vec<&str>, Vec<&str>) = list
        .split(':')
        .filter(|s| !s.is_empty())
        .partition(|s| s.starts_with("TLS_"));
    if !older.is_empty() {
        b.set_cipher_list(&older.join(":"))
            .map_err(|e| setup_failed(&format!("no usable cipher in {list:?}"), e))?;
    }
    if !suites.is_empty() {
        b.set_ciphersuites(&suites.join(":"))
            .map_err(|e| setup_failed(&format!("no usable TLS 1.3 suite in {list:?}"), e))?;
    }
    Ok(())
}

/// Read a private key from PEM, decrypting it with the application's password callback.
fn parse_key(pem: &[u8], config: &TlsConfig) -> Result<PKey<Private>, Error> {
    let parsed = match &config.key_password {
        Some(ask) => {
            let ask = Arc::clone(ask);
            PKey::private_key_from_pem_callback(pem, move |buf| {
                Ok(ask(buf).unwrap_or(0).min(buf.len()))
            })
        }
        None => PKey::private_key_from_pem(pem),
    };
    parsed.map_err(|e| setup_failed("cannot read the private key (wrong password?)", e))
}

fn load_client_identity(b: &mut SslContextBuilder, config: &TlsConfig) -> Result<(), Error> {
    match &config.cert {
        Some(Source::File(path)) => b
            .set_certificate_chain_file(path)
            .map_err(|e| setup_failed(&format!("cannot load certificate {}", path.display()), e))?,
        Some(Source::Pem(pem)) => {
            let mut chain = X509::stack_from_pem(pem)
                .map_err(|e| setup_failed("cannot parse the client certificate", e))?
                .into_iter();
            let Some(leaf) = chain.next() else {
                return Err(setup_failed(
                    "client certificate",
                    "no certificate in the PEM text",
                ));
            };
            b.set_certificate(&leaf)
                .map_err(|e| setup_failed("cannot use the client certificate", e))?;
            for extra in chain {
                b.add_extra_chain_cert(extra)
                    .map_err(|e| setup_failed("cannot add a chain certificate", e))?;
            }
        }
        None => {}
    }
    let key = match &config.key {
        None => return Ok(()),
        Some(Source::File(path)) if config.key_from_engine => {
            super::engine::load_private_key(config, path)?
        }
        Some(Source::File(path)) => {
            let pem = std::fs::read(path)
                .map_err(|e| setup_failed(&format!("cannot read key {}", path.display()), e))?;
            parse_key(&pem, config)?
        }
        Some(Source::Pem(pem)) => parse_key(pem, config)?,
    };
    b.set_private_key(&key)
        .map_err(|e| setup_failed("cannot use the private key", e))?;
    b.check_private_key()
        .map_err(|e| setup_failed("the private key does not match the certificate", e))
}

pub use super::socket::Io;

/// One TLS connection over a non-blocking socket (TCP or Unix).
pub struct TlsStream {
    inner: SslStream<Socket>,
    /// The name the broker was reached by, for log lines.
    peer: String,
    ocsp_required: bool,
    /// OpenSSL asked for writability to go on with the handshake, a read or a write.
    wants_write: bool,
    /// The last read stopped on SSL_ERROR_WANT_WRITE (it had to send something, e.g. the
    /// answer to a TLS 1.3 KeyUpdate, and the socket was full): that read must be repeated
    /// once the socket is writable.
    read_wants_write: bool,
    /// Set once a resumable session was taken from this connection.
    session_taken: bool,
    /// Set once the broker sent application data. With TLS 1.3 a broker checks the client's
    /// certificate only after the client finished its side of the handshake, so a refusal can
    /// arrive as the first thing read.
    got_data: bool,
}

impl fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsStream")
            .field("peer", &self.peer)
            .field("fd", &self.fd())
            .finish_non_exhaustive()
    }
}

extern "C" {
    // OpenSSL 1.1.1+: whether a session can be offered for resumption (a TLS 1.3 session only
    // can once a ticket arrived).
    fn SSL_SESSION_is_resumable(session: *const openssl_sys::SSL_SESSION) -> std::os::raw::c_int;
}

impl TlsStream {
    /// Start TLS as a client on a connected `socket` to `host` (the name or address the
    /// application gave). `session`: a session of an earlier connection made with `ctx`.
    pub fn new(
        ctx: &SslContext,
        config: &TlsConfig,
        host: &str,
        session: Option<&SslSession>,
        socket: Socket,
    ) -> Result<TlsStream, Error> {
        let mut ssl = Ssl::new(ctx).map_err(|e| setup_failed("cannot create a connection", e))?;
        let ip = host.parse::<IpAddr>().ok();
        if ip.is_none() {
            // SNI carries DNS names only.
            ssl.set_hostname(host)
                .map_err(|e| setup_failed("cannot set the server name", e))?;
        }
        if config.verify_peer && !config.insecure {
            let param = ssl.param_mut();
            param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
            match ip {
                Some(ip) => param.set_ip(ip),
                None => param.set_host(host),
            }
            .map_err(|e| setup_failed("cannot set the name to verify", e))?;
        }
        if config.ocsp_required {
            ssl.set_status_type(StatusType::OCSP)
                .map_err(|e| setup_failed("cannot ask for OCSP stapling", e))?;
        }
        if let Some(session) = session.filter(|_| config.resume_sessions) {
            // SAFETY: the session comes from a connection made with this same context (the
            // driver drops it whenever the context is rebuilt).
            if let Err(e) = unsafe { ssl.set_session(session) } {
                log::debug!("culex: TLS session not offered: {e}");
            }
        }
        // Writes restart from a buffer that may have moved or grown (the driver's output
        // buffer); partial writes let one call take what fits. Set here too, so that an
        // application's own context gets them without being modified.
        // SAFETY: SSL_ctrl with SSL_CTRL_MODE only ORs flags into this connection's mode.
        unsafe {
            openssl_sys::SSL_ctrl(
                ssl.as_ptr(),
                openssl_sys::SSL_CTRL_MODE,
                (openssl_sys::SSL_MODE_ENABLE_PARTIAL_WRITE
                    | openssl_sys::SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
                    as std::os::raw::c_long,
                std::ptr::null_mut(),
            )
        };
        ssl.set_connect_state();
        let inner =
            SslStream::new(ssl, socket).map_err(|e| setup_failed("cannot attach the socket", e))?;
        Ok(TlsStream {
            inner,
            peer: host.to_owned(),
            ocsp_required: config.ocsp_required,
            // Nothing is sent yet: the first step writes the ClientHello.
            wants_write: true,
            read_wants_write: false,
            session_taken: false,
            got_data: false,
        })
    }

    /// Advance the handshake. `Ok(true)`: done (the connection is verified); `Ok(false)`: wait
    /// for the socket (writable if [`TlsStream::wants_write`], else readable). A failure is
    /// logged with its reason.
    pub fn handshake(&mut self) -> Result<bool, Error> {
        match self.inner.do_handshake() {
            Ok(()) => {
                self.wants_write = false;
                if self.ocsp_required {
                    if let Err(why) = check_ocsp(self.inner.ssl()) {
                        log::warn!(
                            "culex: TLS handshake with {} failed: OCSP: {why}",
                            self.peer
                        );
                        return Err(Error::Tls);
                    }
                }
                let ssl = self.inner.ssl();
                log::debug!(
                    "culex: TLS with {} established: {} {}{}",
                    self.peer,
                    ssl.version_str(),
                    ssl.current_cipher().map_or("", |c| c.name()),
                    if ssl.session_reused() {
                        ", session resumed"
                    } else {
                        ""
                    }
                );
                Ok(true)
            }
            Err(e) => match self.blocked(&e) {
                Some(()) => Ok(false),
                None => {
                    log::warn!(
                        "culex: TLS handshake with {} failed: {}",
                        self.peer,
                        describe(&e, self.inner.ssl())
                    );
                    Err(Error::Tls)
                }
            },
        }
    }

    /// `Some(())` when `e` only means "wait for the socket"; records which way.
    fn blocked(&mut self, e: &openssl::ssl::Error) -> Option<()> {
        match e.code() {
            ErrorCode::WANT_READ => {
                self.wants_write = false;
                Some(())
            }
            ErrorCode::WANT_WRITE => {
                self.wants_write = true;
                Some(())
            }
            ErrorCode::SYSCALL
                if e.io_error().is_some_and(|io| {
                    matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted)
                }) =>
            {
                Some(())
            }
            _ => None,
        }
    }

    /// Read decrypted bytes. Bytes OpenSSL already holds (see [`TlsStream::pending`]) are not
    /// announced by `poll`: read until `WouldBlock`.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        self.read_wants_write = false;
        match self.inner.ssl_read(buf) {
            Ok(0) => Ok(Io::Eof),
            Ok(n) => {
                self.wants_write = false;
                self.got_data = true;
                Ok(Io::Done(n))
            }
            Err(e) => {
                let result = self.io_failure(e, "read");
                self.read_wants_write = self.wants_write && result == Ok(Io::WouldBlock);
                result
            }
        }
    }

    /// Write bytes; a partial write is possible.
    pub fn write(&mut self, buf: &[u8]) -> Result<Io, Error> {
        if buf.is_empty() {
            return Ok(Io::Done(0));
        }
        match self.inner.ssl_write(buf) {
            Ok(n) => {
                self.wants_write = false;
                Ok(Io::Done(n))
            }
            Err(e) => self.io_failure(e, "write"),
        }
    }

    fn io_failure(&mut self, e: openssl::ssl::Error, what: &str) -> Result<Io, Error> {
        if self.blocked(&e).is_some() {
            return Ok(Io::WouldBlock);
        }
        let broken = e.code() != ErrorCode::ZERO_RETURN
            && !(e.code() == ErrorCode::SYSCALL
                && e.ssl_error().is_none()
                && e.io_error().is_none());
        if !self.got_data && broken {
            // Most likely the broker refused us at the TLS level after our side of a TLS 1.3
            // handshake (a missing or rejected client certificate): a TLS error, not a lost
            // connection.
            let why = match e.io_error() {
                Some(io) => format!("{io} (does the broker require a client certificate?)"),
                None => describe(&e, self.inner.ssl()),
            };
            log::warn!(
                "culex: TLS {what} with {} failed before the broker accepted the connection: {why}",
                self.peer
            );
            return Err(Error::Tls);
        }
        match e.code() {
            ErrorCode::ZERO_RETURN => Ok(Io::Eof),
            ErrorCode::SYSCALL if e.ssl_error().is_none() => match e.into_io_error() {
                Ok(io) => Err(io.into()),
                // End of stream without close_notify.
                Err(_) => Ok(Io::Eof),
            },
            _ => {
                log::warn!(
                    "culex: TLS {what} with {} failed: {}",
                    self.peer,
                    describe(&e, self.inner.ssl())
                );
                Err(Error::Tls)
            }
        }
    }

    /// OpenSSL needs the socket writable before the handshake, a read or a write can go on.
    pub fn wants_write(&self) -> bool {
        self.wants_write || self.read_wants_write
    }

    /// A read stopped because OpenSSL must write first: repeat it when the socket is writable.
    pub fn read_wants_write(&self) -> bool {
        self.read_wants_write
    }

    /// Decrypted bytes held inside OpenSSL, ready without waiting for the socket.
    pub fn pending(&self) -> usize {
        self.inner.ssl().pending()
    }

    /// The socket underneath.
    pub fn socket(&self) -> &Socket {
        self.inner.get_ref()
    }

    /// The socket's descriptor.
    pub fn fd(&self) -> RawFd {
        self.inner.get_ref().fd()
    }

    /// The OpenSSL connection (for `mosquitto_ssl_get` and tests).
    pub fn ssl(&self) -> &SslRef {
        self.inner.ssl()
    }

    /// The session to offer on the next connection, once this one has a resumable one (taken
    /// at most once per connection).
    pub fn take_session(&mut self) -> Option<SslSession> {
        if self.session_taken {
            return None;
        }
        let session = self.inner.ssl().session()?;
        // SAFETY: a live session pointer.
        if unsafe { SSL_SESSION_is_resumable(session.as_ptr()) } == 1 {
            self.session_taken = true;
            Some(session.to_owned())
        } else {
            None
        }
    }

    /// Send close_notify (best effort, without waiting) and shut the socket down.
    pub fn close(&mut self) {
        let _ = self.inner.shutdown();
        self.inner.get_ref().shutdown();
    }

    /// Look at decrypted bytes without consuming them.
    pub fn peek(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        match self.inner.ssl_peek(buf) {
            Ok(0) => Ok(Io::Eof),
            Ok(n) => {
                self.wants_write = false;
                self.got_data = true;
                Ok(Io::Done(n))
            }
            Err(e) => self.io_failure(e, "read"),
        }
    }
}

impl ByteIo for TlsStream {
    fn read_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        self.read(buf)
    }

    fn write_io(&mut self, buf: &[u8]) -> Result<Io, Error> {
        self.write(buf)
    }

    fn peek_io(&mut self, buf: &mut [u8]) -> Result<Io, Error> {
        self.peek(buf)
    }
}

/// OpenSSL's reason for a failure, in words: the certificate verification result when there is
/// one, else the error queue (alerts from the broker included).
fn describe(e: &openssl::ssl::Error, ssl: &SslRef) -> String {
    let verify = ssl.verify_result();
    if verify != X509VerifyResult::OK {
        return format!("certificate verify failed: {}", verify.error_string());
    }
    if let Some(stack) = e.ssl_error() {
        let reasons: Vec<String> = stack
            .errors()
            .iter()
            .map(|err| err.reason().unwrap_or("unknown reason").to_owned())
            .collect();
        if !reasons.is_empty() {
            return reasons.join("; ");
        }
    }
    match e.io_error() {
        Some(io) => format!("{io}"),
        None if e.code() == ErrorCode::SYSCALL => "the broker closed the connection".to_owned(),
        None => format!("{e}"),
    }
}

/// Check the OCSP response the broker stapled for its certificate.
fn check_ocsp(ssl: &SslRef) -> Result<(), String> {
    let der = ssl
        .ocsp_status()
        .ok_or("the broker sent no OCSP response")?;
    let response = OcspResponse::from_der(der).map_err(|e| format!("unreadable response: {e}"))?;
    if response.status() != OcspResponseStatus::SUCCESSFUL {
        return Err(format!("response status {:?}", response.status()));
    }
    let basic = response.basic().map_err(|e| e.to_string())?;
    let chain = ssl.peer_cert_chain().ok_or("no certificate chain")?;
    let store = ssl.ssl_context().cert_store();
    basic
        .verify(chain, store, OcspFlag::empty())
        .map_err(|e| format!("response not trusted: {e}"))?;
    let leaf = ssl.peer_certificate().ok_or("no broker certificate")?;
    let issuer = chain.get(1).ok_or("no issuer certificate in the chain")?;
    let id = OcspCertId::from_cert(MessageDigest::sha1(), &leaf, issuer)
        .map_err(|e: ErrorStack| e.to_string())?;
    let status = basic
        .find_status(&id)
        .ok_or("no status for the broker's certificate")?;
    status
        .check_validity(300, None)
        .map_err(|e| format!("response out of date: {e}"))?;
    if status.status == OcspCertStatus::GOOD {
        Ok(())
    } else {
        Err(format!("certificate status {:?}", status.status))
    }
}
