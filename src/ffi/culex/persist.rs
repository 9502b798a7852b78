//! The durable session store (`culex_persistence_set`, declared in `culex.h`): outgoing QoS 1/2
//! messages and inbound QoS 2 messages awaiting PUBREL kept on disk, so that a new process with
//! the same client id and directory resumes where a crashed one stopped. The store itself is
//! `crate::persist`; `docs/durable-session.md` describes it.

use std::ffi::{CStr, OsStr};
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::ffi::boundary::args::refuse;
use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::util::message::{mosquitto_message, LentMessage};
use crate::persist::Mode;
use crate::protocol::Publish;

/// `culex_persistence_set` mode: no store (close the one in use; what it holds stays on disk).
pub const CULEX_PERSIST_NONE: c_int = 0;
/// `culex_persistence_set` mode: a QoS 1/2 message is on disk before `mosquitto_publish` returns
/// success (one `fdatasync` per message).
pub const CULEX_PERSIST_SYNC: c_int = 1;
/// `culex_persistence_set` mode: a QoS 1/2 message is on disk before its PUBLISH leaves the
/// socket (one `fdatasync` per write, however many messages it carries); a crash loses only
/// messages that were never sent.
pub const CULEX_PERSIST_GROUP_COMMIT: c_int = 2;

/// Called by `culex_persistence_set` for each outgoing message resumed from the store: `msg` is
/// the library's (valid during the call); its `mid` is the packet id it goes out with again and
/// the one `on_publish` reports when it completes.
pub type culex_resume_callback = Option<
    unsafe extern "C" fn(mosq: *mut mosquitto, obj: *mut c_void, msg: *const mosquitto_message),
>;

/// The body of `culex_persistence_set`.
///
/// # Safety
/// `directory` is NULL or a C string.
unsafe fn persistence_set(
    h: &mosquitto,
    directory: *const c_char,
    mode: c_int,
    on_resume: culex_resume_callback,
) -> Result<(), c_int> {
    const F: &str = "culex_persistence_set";
    let mode = match mode {
        CULEX_PERSIST_NONE => None,
        CULEX_PERSIST_SYNC => Some(Mode::Synchronous),
        CULEX_PERSIST_GROUP_COMMIT => Some(Mode::GroupCommit),
        _ => return refuse(F, "mode is not one of the CULEX_PERSIST_* values"),
    };
    let directory = match (mode, directory.is_null()) {
        (None, _) => None,
        (Some(_), true) => return refuse(F, "directory is NULL"),
        (Some(_), false) => {
            // SAFETY: not NULL; a C string by the caller's contract.
            let bytes = unsafe { CStr::from_ptr(directory) }.to_bytes();
            if bytes.is_empty() {
                return refuse(F, "directory is empty");
            }
            Some(Path::new(OsStr::from_bytes(bytes)))
        }
    };
    let resumed = h
        .client
        .set_persistence(directory, mode.unwrap_or(Mode::GroupCommit))
        .map_err(code)?;
    if let Some(f) = on_resume {
        for publish in resumed {
            report(h, f, publish);
        }
    }
    Ok(())
}

/// Hand one resumed message to the application's callback (no lock is held).
fn report(
    h: &mosquitto,
    f: unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message),
    publish: Publish,
) {
    let lent = LentMessage::new(publish);
    // SAFETY: a callback the application passed for this handle, called with the handle, its
    // user data and a message that lives until it returns.
    unsafe { f(h.as_ptr(), h.userdata(), lent.as_ptr()) };
}

/// Keep this client's session on disk in `directory` (created if missing), so that it survives
/// a crash of the process: every outgoing QoS 1/2 message with its packet id and stage, and every
/// inbound QoS 2 message from before its PUBREC leaves until its PUBREL has been handled (so a
/// restarted client never delivers it twice).
///
/// `mode`: `CULEX_PERSIST_SYNC` (a message is on disk before `mosquitto_publish` returns
/// success), `CULEX_PERSIST_GROUP_COMMIT` (a message is on disk before its PUBLISH leaves the
/// socket; a crash can lose only messages never sent, and those are the ones accepted that are
/// neither completed by `on_publish` nor resumed after the restart), or `CULEX_PERSIST_NONE`
/// (stop; the store stays on disk).
///
/// Call it after `mosquitto_new()` (with a client id, and normally `clean_session` false) and
/// before connecting. One store per client id and directory; a second client (in this process
/// or another) opening the same one gets `MOSQ_ERR_ERRNO` with `errno` `EWOULDBLOCK` and a log
/// line naming the owner's pid. What the store held is resumed: the outgoing messages go out
/// again on the next connection (PUBLISH with DUP=1 and their ids, PUBREL for those past
/// PUBREC), each reported first to `on_resume` (may be NULL); inbound QoS 2 messages wait for
/// their PUBREL again and are delivered to `on_message` then. A torn or damaged end of the store
/// is cut at the last good record, with a warning in the log.
///
/// Returns MOSQ_ERR_SUCCESS; MOSQ_ERR_INVAL for a NULL handle, an unknown mode, a NULL or empty
/// directory, no client id, or while connected or connecting; MOSQ_ERR_NOT_SUPPORTED for a store
/// written by a newer format; MOSQ_ERR_ERRNO (with `errno`) when the store cannot be opened.
#[no_mangle]
pub unsafe extern "C" fn culex_persistence_set(
    mosq: *mut mosquitto,
    directory: *const c_char,
    mode: c_int,
    on_resume: culex_resume_callback,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe { enter!(mosq, |h| persistence_set(h, directory, mode, on_resume)) }
    })
}
