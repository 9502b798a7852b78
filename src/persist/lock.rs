//! The store's lock: `flock(LOCK_EX | LOCK_NB)` on a lock file beside the journal. The kernel
//! drops it when the process ends however it ends (`kill -9` included), so a stale lock file never
//! blocks a restart; a second process (or a second client in the same process) gets
//! `EWOULDBLOCK` and a clear error instead of a corrupt store. The lock file holds the pid of its
//! owner, for that error message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::Error;

/// A held lock; released when dropped (the file is closed).
#[derive(Debug)]
pub(crate) struct Lock {
    _file: File,
}

impl Lock {
    /// Take the lock on `path` (created if missing), or fail at once.
    pub(crate) fn acquire(path: &Path) -> Result<Lock, Error> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        // SAFETY: flock(2) on a descriptor this function owns; no memory is passed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            let mut owner = String::new();
            let _ = file.read_to_string(&mut owner);
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                log::error!(
                    "culex: the session store {} is in use by another client (pid {}); \
                     not opened",
                    path.display(),
                    owner.trim()
                );
            } else {
                log::error!("culex: cannot lock {}: {err}", path.display());
            }
            return Err(err.into());
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        Ok(Lock { _file: file })
    }
}
