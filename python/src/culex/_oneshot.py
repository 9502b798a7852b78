"""What the one-shot helpers (``publish``, ``subscribe``) share: a client set up from their
keyword arguments (will, authentication, TLS, proxy)."""

from __future__ import annotations

import ssl
from typing import Any

from . import client as mqtt
from .enums import CallbackAPIVersion


def make_client(
    client_id: str,
    userdata: Any,
    protocol: int,
    transport: str,
    will: dict[str, Any] | None,
    auth: dict[str, Any] | None,
    tls: dict[str, Any] | ssl.SSLContext | None,
    proxy_args: dict[str, Any] | None,
    clean_session: bool | None = None,
) -> mqtt.Client:
    """A VERSION2 client configured from the helpers' keyword arguments."""
    if protocol == mqtt.MQTTv5:
        clean_session = None
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        userdata=userdata,
        protocol=protocol,
        transport=transport,
        clean_session=clean_session,
    )
    c.enable_logger()
    if will is not None:
        c.will_set(
            will["topic"],
            will.get("payload"),
            will.get("qos", 0),
            will.get("retain", False),
            will.get("properties"),
        )
    if auth is not None:
        username = auth.get("username")
        if username is None:
            raise KeyError("The 'username' key was not found, this is required for auth")
        c.username_pw_set(username, auth.get("password"))
    if tls is not None:
        if isinstance(tls, ssl.SSLContext):
            c.tls_set_context(tls)
        else:
            insecure = tls.get("insecure", False)
            c.tls_set(
                ca_certs=tls.get("ca_certs"),
                certfile=tls.get("certfile"),
                keyfile=tls.get("keyfile"),
                cert_reqs=tls.get("cert_reqs", ssl.CERT_REQUIRED),
                tls_version=tls.get("tls_version"),
                ciphers=tls.get("ciphers"),
                keyfile_password=tls.get("keyfile_password"),
            )
            if insecure:
                c.tls_insecure_set(True)
    if proxy_args is not None:
        c.proxy_set(**proxy_args)
    return c
