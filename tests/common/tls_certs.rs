//! Certificates for TLS tests, made at test time with the `openssl` crate (nothing generated is
//! committed): a CA, a server certificate for `localhost` and 127.0.0.1, an expired one, one for
//! another name, one from a CA the client does not trust, and a client certificate with a plain
//! and a password-encrypted key. Everything is written as PEM into a private temporary directory.
//!
//! Include it with `#[path = "common/tls_certs.rs"] mod tls_certs;` next to `mod common;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::symm::Cipher;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use super::common::TempDir;

/// The password of [`Certs::client_key_encrypted`].
pub const KEY_PASSWORD: &str = "correct horse";

/// One certificate and its key, as files and as PEM text.
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
}

/// A set of test certificates in a temporary directory (removed on drop).
pub struct Certs {
    dir: TempDir,
    /// The CA the tests trust.
    pub ca: PathBuf,
    pub ca_pem: String,
    /// A CA nobody trusts.
    pub other_ca: PathBuf,
    /// For `localhost` and 127.0.0.1, valid now.
    pub server: Issued,
    /// Same names, expired yesterday.
    pub expired: Issued,
    /// Valid, but only for `broker.invalid`.
    pub wrong_name: Issued,
    /// For `localhost` and 127.0.0.1, from `other_ca`.
    pub untrusted: Issued,
    /// A client certificate from the trusted CA.
    pub client: Issued,
    /// The client key encrypted with [`KEY_PASSWORD`].
    pub client_key_encrypted: PathBuf,
    pub client_key_encrypted_pem: String,
}

fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    PKey::from_ec_key(EcKey::generate(&group).expect("EC key")).expect("pkey")
}

fn serial() -> Asn1Integer {
    let mut bn = BigNum::new().expect("bignum");
    bn.rand(64, openssl::bn::MsbOption::MAYBE_ZERO, false)
        .expect("random serial");
    bn.to_asn1_integer().expect("serial")
}

const DAY: i64 = 24 * 3600;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// A builder with subject `cn`, validity `[from, to]` days from now, and `key`.
fn builder(cn: &str, from_days: i64, to_days: i64, key: &PKey<Private>) -> X509Builder {
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
    let name = name.build();
    let mut b = X509Builder::new().expect("x509");
    b.set_version(2).expect("version");
    b.set_serial_number(&serial()).expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_pubkey(key).expect("pubkey");
    let t = now();
    b.set_not_before(&Asn1Time::from_unix(t + from_days * DAY).expect("time"))
        .expect("not before");
    b.set_not_after(&Asn1Time::from_unix(t + to_days * DAY).expect("time"))
        .expect("not after");
    b
}

fn make_ca(cn: &str) -> (X509, PKey<Private>) {
    let key = new_key();
    let mut b = builder(cn, -1, 30, &key);
    let subject = {
        let mut n = X509NameBuilder::new().expect("name");
        n.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
        n.build()
    };
    b.set_issuer_name(&subject).expect("issuer");
    b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
        .expect("bc");
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .expect("ku"),
    )
    .expect("ku");
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .expect("ski");
    b.append_extension(ski).expect("ski");
    b.sign(&key, MessageDigest::sha256()).expect("sign CA");
    (b.build(), key)
}

/// Issue a leaf certificate. `names`: DNS names and IP addresses for the SAN (server); empty
/// for a client certificate.
fn issue(
    ca: &X509,
    ca_key: &PKey<Private>,
    cn: &str,
    names: &[&str],
    from_days: i64,
    to_days: i64,
) -> (X509, PKey<Private>) {
    let key = new_key();
    let mut b = builder(cn, from_days, to_days, &key);
    b.set_issuer_name(ca.subject_name()).expect("issuer");
    b.append_extension(BasicConstraints::new().build().expect("bc"))
        .expect("bc");
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .key_agreement()
            .build()
            .expect("ku"),
    )
    .expect("ku");
    let mut eku = ExtendedKeyUsage::new();
    if names.is_empty() {
        eku.client_auth();
    } else {
        eku.server_auth();
    }
    b.append_extension(eku.build().expect("eku")).expect("eku");
    if !names.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for n in names {
            if n.parse::<std::net::IpAddr>().is_ok() {
                san.ip(n);
            } else {
                san.dns(n);
            }
        }
        let san = san.build(&b.x509v3_context(Some(ca), None)).expect("san");
        b.append_extension(san).expect("san");
    }
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(ca), None))
        .expect("aki");
    b.append_extension(aki).expect("aki");
    b.sign(ca_key, MessageDigest::sha256()).expect("sign");
    (b.build(), key)
}

fn pem_of(cert: &X509) -> String {
    String::from_utf8(cert.to_pem().expect("pem")).expect("ascii")
}

fn key_pem_of(key: &PKey<Private>) -> String {
    String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("ascii")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write certificate file");
    path
}

fn save(dir: &Path, stem: &str, (cert, key): (X509, PKey<Private>)) -> Issued {
    let cert_pem = pem_of(&cert);
    let key_pem = key_pem_of(&key);
    Issued {
        cert: write(dir, &format!("{stem}.crt"), &cert_pem),
        key: write(dir, &format!("{stem}.key"), &key_pem),
        cert_pem,
        key_pem,
    }
}

impl Certs {
    /// Make a fresh set.
    pub fn new() -> Certs {
        let dir = TempDir::new("culex-certs");
        let d = dir.path().to_path_buf();
        let (ca, ca_key) = make_ca("Culex test CA");
        let (other, other_key) = make_ca("Culex untrusted CA");
        let ca_pem = pem_of(&ca);
        let server_names = ["localhost", "127.0.0.1"];
        let server = save(
            &d,
            "server",
            issue(&ca, &ca_key, "localhost", &server_names, -1, 30),
        );
        let expired = save(
            &d,
            "expired",
            issue(&ca, &ca_key, "localhost", &server_names, -10, -1),
        );
        let wrong_name = save(
            &d,
            "wrong-name",
            issue(&ca, &ca_key, "broker.invalid", &["broker.invalid"], -1, 30),
        );
        let untrusted = save(
            &d,
            "untrusted",
            issue(&other, &other_key, "localhost", &server_names, -1, 30),
        );
        let (client_cert, client_key) = issue(&ca, &ca_key, "culex-client", &[], -1, 30);
        let client_key_encrypted_pem = String::from_utf8(
            client_key
                .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), KEY_PASSWORD.as_bytes())
                .expect("encrypt key"),
        )
        .expect("ascii");
        let client = save(&d, "client", (client_cert, client_key));
        Certs {
            ca: write(&d, "ca.crt", &ca_pem),
            ca_pem,
            other_ca: write(&d, "other-ca.crt", &pem_of(&other)),
            server,
            expired,
            wrong_name,
            untrusted,
            client,
            client_key_encrypted: write(&d, "client-encrypted.key", &client_key_encrypted_pem),
            client_key_encrypted_pem,
            dir,
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Broker config lines for a TLS listener presenting `server` and trusting the test CA.
    pub fn listener_lines(&self, server: &Issued) -> Vec<String> {
        vec![
            format!("cafile {}", self.ca.display()),
            format!("certfile {}", server.cert.display()),
            format!("keyfile {}", server.key.display()),
        ]
    }
}
