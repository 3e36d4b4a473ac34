"""UUIDv7 keys: made here, read back here.

`new_uuid7()` follows RFC 9562 §6.2 method 1: a 42-bit counter after the
millisecond timestamp, seeded at random each new millisecond and incremented
within one, so ids made in sequence strictly increase while the timestamp
stays the real clock (`uuid6.uuid7()` instead steps the timestamp forward one
millisecond per id, and at bulk-load rates runs minutes ahead of the clock).
Values are plain `uuid.UUID`s, as ids read back from the database are;
`timestamp_ms()` and `created_at()` read a v7 id's time.
"""
import datetime
import os
import threading
import time
import uuid

__all__ = ["new_uuid7", "is_uuid7", "timestamp_ms", "created_at"]

_COUNTER_MAX = (1 << 42) - 1
_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _seed() -> int:
    # the counter's top bit starts at 0, leaving 2**41 increments before a rollover
    return int.from_bytes(os.urandom(6), "big") >> 7


def new_uuid7() -> uuid.UUID:
    """A new UUIDv7, greater than every one this process made before."""
    global _last_ms, _counter
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, _seed()
        else:  # same millisecond, or the clock stepped back: count on from the last id
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms, _counter = _last_ms + 1, _seed()
        ms, counter = _last_ms, _counter
    tail = int.from_bytes(os.urandom(4), "big")
    # 48 ms | 4 version (0111) | 12 counter high | 2 variant (10) | 30 counter low | 32 random
    value = (ms << 80) | (0x7 << 76) | ((counter >> 30) << 64) | (0b10 << 62) | ((counter & 0x3FFFFFFF) << 32) | tail
    return uuid.UUID(int=value)


def is_uuid7(value: uuid.UUID) -> bool:
    """True for a version-7 UUID with the RFC 9562 variant bits (10)."""
    return value.version == 7 and (value.int >> 62) & 0b11 == 0b10


def timestamp_ms(value: uuid.UUID) -> int:
    """The Unix-millisecond timestamp in the first 48 bits of a UUIDv7."""
    return value.int >> 80


def created_at(value: uuid.UUID) -> datetime.datetime:
    """When a UUIDv7 was made, as an aware UTC datetime."""
    return datetime.datetime.fromtimestamp(timestamp_ms(value) / 1000, datetime.timezone.utc)
