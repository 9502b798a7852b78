//! The C callbacks of a handle: their types, the table that holds them ([`CallbackTable`]), the
//! setters ([`setters`]) and the dispatch of driver events to them ([`dispatch`]).

use std::os::raw::{c_char, c_int, c_void};

use crate::ffi::handle::mosquitto;
use crate::ffi::property::mosquitto_property;
use crate::ffi::util::message::mosquitto_message;

pub mod dispatch;
pub mod setters;

pub use setters::*;

/// `void (*)(struct mosquitto *, void *, int)`: connect (rc), disconnect (rc), publish and
/// unsubscribe (mid).
pub(crate) type IntCallback = unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int);
/// `on_connect` with the CONNACK flags.
pub(crate) type ConnectFlagsCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int);
/// `on_message`.
pub(crate) type MessageCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, *const mosquitto_message);
/// `on_subscribe`: mid, count of granted QoS, granted QoS array.
pub(crate) type SubscribeCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const c_int);
/// `on_log`: level and NUL-terminated line.
pub(crate) type LogCallback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const c_char);

/// `on_connect` (MQTT 5): rc, CONNACK flags, CONNACK properties.
pub(crate) type ConnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_disconnect` (MQTT 5): rc and the broker's DISCONNECT properties.
pub(crate) type DisconnectV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);
/// `on_publish` (MQTT 5): mid, reason code, acknowledgement properties.
pub(crate) type PublishV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, c_int, *const mosquitto_property);
/// `on_message` (MQTT 5): the message and its PUBLISH properties.
pub(crate) type MessageV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    *const mosquitto_message,
    *const mosquitto_property,
);
/// `on_subscribe` (MQTT 5): mid, count, granted QoS / reason codes, SUBACK properties.
pub(crate) type SubscribeV5Callback = unsafe extern "C" fn(
    *mut mosquitto,
    *mut c_void,
    c_int,
    c_int,
    *const c_int,
    *const mosquitto_property,
);
/// `on_unsubscribe` (MQTT 5): mid and UNSUBACK properties.
pub(crate) type UnsubscribeV5Callback =
    unsafe extern "C" fn(*mut mosquitto, *mut c_void, c_int, *const mosquitto_property);

/// The callbacks of one handle, all of them: the form they are set and read in. A handle stores
/// them as a [`CallbackTable`].
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub(crate) struct Callbacks {
    pub on_connect: Option<IntCallback>,
    pub on_connect_with_flags: Option<ConnectFlagsCallback>,
    pub on_disconnect: Option<IntCallback>,
    pub on_publish: Option<IntCallback>,
    pub on_message: Option<MessageCallback>,
    pub on_subscribe: Option<SubscribeCallback>,
    pub on_unsubscribe: Option<IntCallback>,
    pub on_log: Option<LogCallback>,
    pub on_connect_v5: Option<ConnectV5Callback>,
    pub on_disconnect_v5: Option<DisconnectV5Callback>,
    pub on_publish_v5: Option<PublishV5Callback>,
    pub on_message_v5: Option<MessageV5Callback>,
    pub on_subscribe_v5: Option<SubscribeV5Callback>,
    pub on_unsubscribe_v5: Option<UnsubscribeV5Callback>,
    /// Culex extension: MQTT 5 enhanced authentication (see `culex.h`).
    pub on_auth: crate::ffi::culex::culex_auth_callback,
}

/// Number of function pointers in [`Callbacks`].
const SLOTS: usize = 15;

// `Callbacks` is 15 `Option<fn>`, each the size of a `usize` with `None` as 0.
const _: () = assert!(std::mem::size_of::<Callbacks>() == SLOTS * std::mem::size_of::<usize>());

/// The callbacks read on every message (delivered or completed): the table's header keeps
/// where each of them is, so that reading one is a shift and a load.
#[derive(Clone, Copy)]
enum Slot {
    Publish,
    Message,
    PublishV5,
    MessageV5,
}

impl Slot {
    const ALL: [Slot; 4] = [
        Slot::Publish,
        Slot::Message,
        Slot::PublishV5,
        Slot::MessageV5,
    ];

    /// Position of the field in [`Callbacks`].
    fn field(self) -> usize {
        match self {
            Slot::Publish => 3,
            Slot::Message => 4,
            Slot::PublishV5 => 10,
            Slot::MessageV5 => 11,
        }
    }

    /// Where the header keeps the callback's index in the table (a byte; 0: not set).
    #[inline]
    fn shift(self) -> u32 {
        16 + 8 * self as u32
    }
}

/// The header bits that tell which callbacks are set (bit i: field i of [`Callbacks`]).
const MASK: usize = 0xFFFF;

impl Callbacks {
    fn to_raw(self) -> [usize; SLOTS] {
        // SAFETY: `repr(C)` struct of 15 nullable function pointers, each a `usize` (checked
        // above); every bit pattern of the result is a valid `usize`.
        unsafe { std::mem::transmute::<Callbacks, [usize; SLOTS]>(self) }
    }

    fn from_raw(raw: [usize; SLOTS]) -> Callbacks {
        // SAFETY: the values come from `to_raw` (0 or a function pointer of the field's type).
        unsafe { std::mem::transmute::<[usize; SLOTS], Callbacks>(raw) }
    }
}

/// The callbacks a handle holds, compactly: null while none is set, otherwise one allocation
/// of a header word followed by the set callbacks in field order. The header holds a bit per
/// set callback (`MASK`) and the index of each [`Slot`] callback. 8 bytes in the handle and
/// 8 + 8 per callback on the heap instead of 120 bytes inline.
pub(crate) struct CallbackTable {
    words: *mut usize,
}

// SAFETY: the table owns its allocation, which holds plain integers (function addresses).
unsafe impl Send for CallbackTable {}

impl Default for CallbackTable {
    fn default() -> Self {
        CallbackTable {
            words: std::ptr::null_mut(),
        }
    }
}

impl Drop for CallbackTable {
    fn drop(&mut self) {
        let len = self.words().len();
        if len > 0 {
            // SAFETY: `words` came from `Box::into_raw` of a boxed slice of this length.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.words, len)) });
        }
    }
}

impl CallbackTable {
    /// The mask and the callbacks (empty when none is set).
    #[inline]
    fn words(&self) -> &[usize] {
        if self.words.is_null() {
            return &[];
        }
        // SAFETY: a non-null `words` points to the mask followed by one word per bit set in it.
        unsafe {
            let len = 1 + (*self.words & MASK).count_ones() as usize;
            std::slice::from_raw_parts(self.words, len)
        }
    }

    /// All callbacks.
    pub(crate) fn get_all(&self) -> Callbacks {
        let mut raw = [0usize; SLOTS];
        if let Some((&header, fns)) = self.words().split_first() {
            let mask = header & MASK;
            let mut fns = fns.iter();
            for (i, slot) in raw.iter_mut().enumerate() {
                if mask & (1 << i) != 0 {
                    *slot = fns.next().copied().unwrap_or(0);
                }
            }
        }
        Callbacks::from_raw(raw)
    }

    /// Replace all callbacks.
    pub(crate) fn set_all(&mut self, callbacks: Callbacks) {
        let raw = callbacks.to_raw();
        let mask = raw
            .iter()
            .enumerate()
            .filter(|(_, &f)| f != 0)
            .fold(0usize, |m, (i, _)| m | (1 << i));
        let table = if mask == 0 {
            CallbackTable::default()
        } else {
            let header = Slot::ALL.iter().fold(mask, |h, &slot| {
                let field = slot.field();
                if mask & (1 << field) == 0 {
                    return h;
                }
                let at = 1 + (mask & ((1 << field) - 1)).count_ones() as usize;
                h | at << slot.shift()
            });
            let words: Box<[usize]> = std::iter::once(header)
                .chain(raw.iter().copied().filter(|&f| f != 0))
                .collect();
            CallbackTable {
                words: Box::into_raw(words).cast::<usize>(),
            }
        };
        *self = table;
    }

    /// One callback as a raw pointer (0: not set).
    #[inline]
    fn raw(&self, slot: Slot) -> usize {
        if self.words.is_null() {
            return 0;
        }
        // SAFETY: a non-null `words` holds the header, whose `slot` byte is 0 or the index of
        // that callback in the allocation.
        unsafe {
            let at = (*self.words >> slot.shift()) & 0xFF;
            if at == 0 {
                0
            } else {
                *self.words.add(at)
            }
        }
    }

    /// The MQTT 3 and MQTT 5 callbacks for a message delivered or completed (the hot events),
    /// without copying the whole table.
    #[inline]
    pub(crate) fn publish(&self) -> (Option<IntCallback>, Option<PublishV5Callback>) {
        let (a, b) = (self.raw(Slot::Publish), self.raw(Slot::PublishV5));
        // SAFETY: the values were stored from these fields' types by `set_all` (0 is None).
        unsafe {
            (
                std::mem::transmute::<usize, Option<IntCallback>>(a),
                std::mem::transmute::<usize, Option<PublishV5Callback>>(b),
            )
        }
    }

    /// See [`CallbackTable::publish`].
    #[inline]
    pub(crate) fn message(&self) -> (Option<MessageCallback>, Option<MessageV5Callback>) {
        let (a, b) = (self.raw(Slot::Message), self.raw(Slot::MessageV5));
        // SAFETY: as in `publish`.
        unsafe {
            (
                std::mem::transmute::<usize, Option<MessageCallback>>(a),
                std::mem::transmute::<usize, Option<MessageV5Callback>>(b),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn int_a(_: *mut mosquitto, _: *mut c_void, _: c_int) {}
    unsafe extern "C" fn int_b(_: *mut mosquitto, _: *mut c_void, _: c_int) {}
    unsafe extern "C" fn msg(_: *mut mosquitto, _: *mut c_void, _: *const mosquitto_message) {}

    #[test]
    fn table_keeps_what_is_set() {
        let mut table = CallbackTable::default();
        assert!(table.publish().0.is_none() && table.message().0.is_none());
        let mut all = table.get_all();
        all.on_connect = Some(int_a);
        all.on_disconnect = Some(int_b);
        all.on_publish = Some(int_b);
        all.on_message = Some(msg);
        table.set_all(all);
        let got = table.get_all();
        assert_eq!(
            got.on_connect.map(|f| f as usize),
            Some(int_a as *const () as usize)
        );
        assert_eq!(
            got.on_disconnect.map(|f| f as usize),
            Some(int_b as *const () as usize)
        );
        assert!(got.on_log.is_none() && got.on_auth.is_none());
        assert_eq!(
            table.publish().0.map(|f| f as usize),
            Some(int_b as *const () as usize)
        );
        assert!(table.publish().1.is_none());
        assert_eq!(
            table.message().0.map(|f| f as usize),
            Some(msg as *const () as usize)
        );
        assert!(table.message().1.is_none());
        all.on_message = None;
        all.on_publish = None;
        table.set_all(all);
        assert!(table.publish().0.is_none() && table.message().0.is_none());
        table.set_all(Callbacks::default());
        assert!(table.words.is_null());
    }
}
