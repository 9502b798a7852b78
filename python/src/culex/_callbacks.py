"""The callbacks between the library and a ``Client``: the ctypes functions the library calls
(one set per client, each calling back through a weak reference) and the descriptor of the
user's ``on_*`` attributes, which registers a library callback only while the user has one."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional, Union

from . import _ffi
from ._ffi import lib

if TYPE_CHECKING:
    from .client import Client

CallbackType = Optional[Callable[..., Any]]
#: What ``publish`` takes as a payload.
PayloadType = Union[str, bytes, bytearray, int, float, None]


class _UserCallback:
    """A user callback attribute of ``Client`` (``on_connect``, ...): kept in ``_<name>``;
    ``register(client, on)``, if given, tells the library whether to call back at all."""

    def __init__(self, register: Callable[[Client, bool], None] | None = None) -> None:
        self._register = register
        self._attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = "_" + name

    def __get__(self, client: Client | None, owner: type | None = None) -> Any:
        if client is None:
            return self
        return getattr(client, self._attr)

    def __set__(self, client: Client, func: CallbackType) -> None:
        setattr(client, self._attr, func)
        if self._register is not None:
            self._register(client, func is not None)


def _library_callback(setter: str, name: str, none: Any) -> _UserCallback:
    """A user callback that the library calls through ``_Callbacks.<name>`` only while set
    (``lib.<setter>`` registers it, or the NULL function ``none()``)."""

    def register(c: Client, on: bool) -> None:
        getattr(lib, setter)(c._h(), getattr(c._cb, name) if on else none())

    return _UserCallback(register)


class _Callbacks:
    """The C callbacks of one client, each calling back through a weak reference, so that the
    client can be collected while the library still holds the functions."""

    def __init__(self, client: Client) -> None:
        ref = weakref.ref(client)

        def bind(name: str, cftype: Any) -> Any:
            def trampoline(*args: Any) -> Any:
                c = ref()
                if c is None:
                    return None
                try:
                    return getattr(c, name)(*args[2:])
                except BaseException as exc:
                    # KeyboardInterrupt, SystemExit, or an error of the callback's own: raised
                    # again by the loop call that ran the callback.
                    c._defer(exc)
                return None

            return cftype(trampoline)

        self.connect = bind("_c_connect", _ffi.CONNECT_CB)
        self.disconnect = bind("_c_disconnect", _ffi.DISCONNECT_CB)
        self.publish = bind("_c_publish", _ffi.PUBLISH_CB)
        self.messages = bind("_c_messages", _ffi.BATCH_CB)
        self.subscribe = bind("_c_subscribe", _ffi.SUBSCRIBE_CB)
        self.unsubscribe = bind("_c_unsubscribe", _ffi.UNSUBSCRIBE_CB)
        self.log = bind("_c_log", _ffi.LOG_CB)
        self.pre_connect = bind("_c_pre_connect", _ffi.PLAIN_CB)
        self.connect_fail = bind("_c_connect_fail", _ffi.INT_CB)
        self.socket_open = bind("_c_socket_open", _ffi.INT_CB)
        self.socket_close = bind("_c_socket_close", _ffi.INT_CB)
        self.socket_register_write = bind("_c_socket_register_write", _ffi.INT_CB)
        self.socket_unregister_write = bind("_c_socket_unregister_write", _ffi.INT_CB)
