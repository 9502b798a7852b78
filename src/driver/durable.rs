//! Turning the durable session store on and off (`crate::persist`). The store's journal then
//! lives in the session, which records into it; the driver commits it before every write to the
//! socket (`io.rs`, `write_ready`), and a synchronous store commits each accepted publish.

use std::path::Path;

use super::{Client, Conn};
use crate::error::Error;
use crate::persist::file::FileStore;
use crate::persist::Mode;
use crate::protocol::Publish;

impl Client {
    /// Keep this client's session in the store of its client id in `directory` (`None`: stop
    /// keeping it; what the store holds stays on disk). Only while no connection exists or is
    /// underway (`Error::Inval` otherwise, and for a client without a client id). What the store
    /// held from an earlier process is resumed, and returned (the outgoing messages, which go
    /// out again with DUP=1 on the next connection); messages already queued here are added to
    /// the store.
    pub fn set_persistence(
        &self,
        directory: Option<&Path>,
        mode: Mode,
    ) -> Result<Vec<Publish>, Error> {
        let mut core = self.lock();
        if !matches!(core.conn, Conn::Idle) {
            log::warn!("culex: the session store can only be set while not connected");
            return Err(Error::Inval);
        }
        let Some(directory) = directory else {
            if let Err(e) = core.session.commit_journal() {
                log::warn!("culex: last commit of the session store: {e}");
            }
            core.session.set_journal(None);
            return Ok(Vec::new());
        };
        // One store at a time: the previous one (if any) is closed first, releasing its lock.
        let _ = core.session.commit_journal();
        core.session.set_journal(None);
        let client_id = core.session.client_id().to_owned();
        let (store, recovered) = FileStore::open(directory, &client_id, mode)?;
        let resumed = core.session.restore(recovered);
        core.session.set_journal(Some(Box::new(store)));
        if let Err(e) = core.session.snapshot_journal() {
            core.session.set_journal(None);
            return Err(e);
        }
        Ok(resumed)
    }
}
