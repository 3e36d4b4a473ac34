"""UUIDv7 keys: made in Python by `uuid6`, read back here.

`uuid6.uuid7()` keeps ids strictly increasing within a process: when two ids
fall in the same millisecond it advances the timestamp by one, so the
embedded time may run slightly ahead under very fast generation.
"""
import datetime
import uuid

from uuid6 import uuid7 as new_uuid7

__all__ = ["new_uuid7", "is_uuid7", "timestamp_ms", "created_at"]


def is_uuid7(value: uuid.UUID) -> bool:
    """True for a version-7 UUID with the RFC 9562 variant bits (10)."""
    return value.version == 7 and (value.int >> 62) & 0b11 == 0b10


def timestamp_ms(value: uuid.UUID) -> int:
    """The Unix-millisecond timestamp in the first 48 bits of a UUIDv7."""
    return value.int >> 80


def created_at(value: uuid.UUID) -> datetime.datetime:
    """When a UUIDv7 was made, as an aware UTC datetime."""
    return datetime.datetime.fromtimestamp(timestamp_ms(value) / 1000, datetime.timezone.utc)
