//! The store on disk: one journal file and one lock file per client id in the directory the
//! application chose.
//!
//! - **Opening** takes the lock ([`super::lock`]), reads the journal ([`super::format::read`]),
//!   truncates a torn or damaged tail at the last good record with a logged warning, and replays
//!   the records ([`super::replay`]). A journal of a newer format version is refused and left
//!   alone.
//! - **Writing**: [`Journal::record`] encodes into a buffer; [`Journal::commit`] writes the
//!   buffer at the end of the log with one `pwrite` and, if any of its records guards output
//!   ([`Record::guards_output`]), one `fdatasync`. The file is grown in steps of
//!   [`PREALLOCATE`] so that most syncs change no file size (about half the cost of an appending
//!   `fdatasync` on the disk measured, `docs/durable-session.md`); the reader takes the zeros
//!   after the last record as the end.
//! - **Snapshots**: once the log has grown by more than its last snapshot (and at least
//!   [`SNAPSHOT_GROWTH`]), the session writes its live state into a new file, which is synced
//!   and renamed over the old one (and the directory synced): the log stays within about twice
//!   the live state, and every byte is rewritten at most once per doubling.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::format::{self, ReadError};
use super::lock::Lock;
use super::replay::{replay, Recovered};
use super::{Journal, Mode, Record};
use crate::error::Error;

/// The journal file grows in steps of this many bytes.
pub const PREALLOCATE: u64 = 1 << 20;
/// The log grows by at least this much past its last snapshot before the next one.
pub const SNAPSHOT_GROWTH: u64 = 4 << 20;

/// A session store in a directory. See the module documentation.
#[derive(Debug)]
pub struct FileStore {
    file: File,
    path: PathBuf,
    dir: PathBuf,
    mode: Mode,
    /// Where the next record goes (the end of the good part).
    end: u64,
    /// The file's size (preallocated room after `end` is zeros).
    allocated: u64,
    /// Encoded records not yet written.
    buf: Vec<u8>,
    /// Some record in `buf` (or written since the last sync) guards output.
    needs_sync: bool,
    /// The log's size after the last snapshot.
    snapshot_len: u64,
    _lock: Lock,
}

impl FileStore {
    /// The journal file of `client_id` in `dir`: the client id made safe for a file name (at
    /// most 64 characters of it) and a hash of the whole id.
    pub fn journal_path(dir: &Path, client_id: &str) -> PathBuf {
        dir.join(format!("{}.culex", file_stem(client_id)))
    }

    /// The lock file beside [`FileStore::journal_path`].
    pub fn lock_path(dir: &Path, client_id: &str) -> PathBuf {
        dir.join(format!("{}.lock", file_stem(client_id)))
    }

    /// Open (or create) the store of `client_id` in `dir` (created if missing) and read back
    /// what it holds. Errors: `Error::Inval` for an empty client id, `Error::Errno` for I/O
    /// failures (`EWOULDBLOCK`: another client holds the store), `Error::NotSupported` for a
    /// journal written by a newer format version.
    pub fn open(dir: &Path, client_id: &str, mode: Mode) -> Result<(FileStore, Recovered), Error> {
        if client_id.is_empty() {
            log::error!("culex: a session store needs a client id");
            return Err(Error::Inval);
        }
        std::fs::create_dir_all(dir)?;
        let lock = Lock::acquire(&Self::lock_path(dir, client_id))?;
        let path = Self::journal_path(dir, client_id);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let bytes = std::fs::read(&path)?;
        let contents = match format::read(&bytes) {
            Ok(contents) => contents,
            Err(ReadError::UnsupportedVersion(v)) => {
                log::error!(
                    "culex: the session store {} has format version {v}, this build reads {}; \
                     left alone",
                    path.display(),
                    format::VERSION
                );
                return Err(Error::NotSupported);
            }
        };
        let mut allocated = bytes.len() as u64;
        let mut end = contents.good_len as u64;
        if let Some(damage) = contents.damage {
            log::warn!(
                "culex: the session store {}: {} at byte {} of {}; truncated there, {} records \
                 kept",
                path.display(),
                damage.reason,
                damage.offset,
                bytes.len(),
                contents.records.len()
            );
            file.set_len(end)?;
            allocated = end;
        }
        if end == 0 {
            file.set_len(0)?;
            file.write_all_at(&format::header(), 0)?;
            end = format::HEADER_LEN as u64;
            allocated = end;
        }
        file.sync_all()?;
        sync_dir(dir)?;
        let count = contents.records.len();
        let recovered = replay(contents.records);
        log::debug!(
            "culex: session store {} opened: {count} records, {} outgoing and {} inbound \
             messages to resume",
            path.display(),
            recovered.outgoing.len(),
            recovered.inbound.len()
        );
        let store = FileStore {
            file,
            path,
            dir: dir.to_path_buf(),
            mode,
            end,
            allocated,
            buf: Vec::new(),
            needs_sync: false,
            snapshot_len: end,
            _lock: lock,
        };
        Ok((store, recovered))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The durability mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Write `bytes` at the end of the log, growing the file first when they do not fit.
    fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let needed = self.end + bytes.len() as u64;
        if needed > self.allocated {
            let size = needed.div_ceil(PREALLOCATE) * PREALLOCATE;
            self.file.set_len(size)?;
            self.allocated = size;
        }
        self.file.write_all_at(bytes, self.end)?;
        self.end = needed;
        Ok(())
    }
}

impl Journal for FileStore {
    fn record(&mut self, record: &Record<'_>) {
        format::encode_record(record, &mut self.buf);
        self.needs_sync |= record.guards_output();
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.write()?;
        if self.needs_sync {
            if let Err(e) = self.file.sync_data() {
                log::error!(
                    "culex: syncing the session store {}: {e}",
                    self.path.display()
                );
                return Err(e.into());
            }
            self.needs_sync = false;
        }
        Ok(())
    }

    fn write(&mut self) -> Result<(), Error> {
        if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            let result = self.append(&buf);
            self.buf = buf;
            if let Err(e) = result {
                log::error!(
                    "culex: writing the session store {}: {e}",
                    self.path.display()
                );
                return Err(e);
            }
            self.buf.clear();
        }
        Ok(())
    }

    fn publish_accepted(&mut self) -> Result<(), Error> {
        match self.mode {
            Mode::Synchronous => self.commit(),
            Mode::GroupCommit => Ok(()),
        }
    }

    fn wants_snapshot(&self) -> bool {
        let size = self.end + self.buf.len() as u64;
        size > self.snapshot_len + SNAPSHOT_GROWTH.max(self.snapshot_len)
    }

    fn snapshot(&mut self, live: &mut dyn Iterator<Item = Record<'_>>) -> Result<(), Error> {
        let mut bytes = format::header().to_vec();
        for record in live {
            format::encode_record(&record, &mut bytes);
        }
        let tmp = self.path.with_extension("tmp");
        let written = (|| -> Result<File, Error> {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all_at(&bytes, 0)?;
            file.sync_data()?;
            std::fs::rename(&tmp, &self.path)?;
            sync_dir(&self.dir)?;
            Ok(file)
        })();
        let file = match written {
            Ok(file) => file,
            Err(e) => {
                log::error!(
                    "culex: snapshot of the session store {}: {e}",
                    self.path.display()
                );
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        log::debug!(
            "culex: session store {}: {} bytes of log replaced by a snapshot of {}",
            self.path.display(),
            self.end + self.buf.len() as u64,
            bytes.len()
        );
        self.file = file;
        self.end = bytes.len() as u64;
        self.allocated = self.end;
        self.snapshot_len = self.end;
        self.buf.clear();
        self.needs_sync = false;
        Ok(())
    }
}

impl Drop for FileStore {
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

/// Make a rename or a new file in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// A file name for `client_id`: its safe characters (at most 64) and a hash of all of it.
fn file_stem(client_id: &str) -> String {
    let safe: String = client_id
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // FNV-1a, 64 bits: stable across builds and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in client_id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{safe}-{hash:016x}")
}
