"""MQTT 5 control packet types by number (MQTT 5.0, section 2.1.2), as ``Properties`` and
``ReasonCode`` take them, plus ``WILLMESSAGE`` for a will's properties."""

from __future__ import annotations


class PacketTypes:
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15
    #: Not a packet: the properties of a will message (carried in CONNECT).
    WILLMESSAGE = 99

    indexes = range(1, 16)

    Names = (
        "reserved",
        "Connect",
        "Connack",
        "Publish",
        "Puback",
        "Pubrec",
        "Pubrel",
        "Pubcomp",
        "Subscribe",
        "Suback",
        "Unsubscribe",
        "Unsuback",
        "Pingreq",
        "Pingresp",
        "Disconnect",
        "Auth",
    )
