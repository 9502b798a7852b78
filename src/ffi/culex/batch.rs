//! Received messages handed over in batches: one call for all the messages that one loop
//! iteration received, instead of one call each. For bindings whose every call from the library
//! is expensive (a Python ctypes trampoline taking the GIL, a koffi callback into Node), this is
//! what receiving costs.

use std::os::raw::{c_int, c_void};

use crate::ffi::boundary::errors::*;
use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::message::mosquitto_message;

/// `void (*)(struct mosquitto *mosq, void *obj, const struct mosquitto_message *messages,
/// const mosquitto_property *const *properties, int count)`: `count` messages in the order they
/// arrived, `messages[i]` with the MQTT 5 properties `properties[i]` (NULL when it has none).
/// Arrays, messages and lists are the library's, valid during the call.
pub type culex_message_batch_callback = Option<
    unsafe extern "C" fn(
        *mut mosquitto,
        *mut c_void,
        *const mosquitto_message,
        *const *const mosquitto_property,
        c_int,
    ),
>;

/// Receive messages in batches: while set, every received message goes to `on_messages`
/// instead of `on_message`, `on_message_v5` and the per-topic callbacks, with all the messages
/// received before the next other event (or the end of the loop iteration) in one call.
/// Acknowledgements are not delayed by it (PUBACK and PUBCOMP leave as without it). NULL goes
/// back to one callback per message.
#[no_mangle]
pub unsafe extern "C" fn culex_message_batch_callback_set(
    mosq: *mut mosquitto,
    on_messages: culex_message_batch_callback,
) -> c_int {
    ffi_guard!(MOSQ_ERR_UNKNOWN as c_int, {
        // SAFETY: the export's contract (`ffi/mod.rs`).
        unsafe {
            enter!(mosq, |h| {
                h.set_callbacks(|c| c.more_mut().on_message_batch = on_messages);
                Ok(())
            })
        }
    })
}
