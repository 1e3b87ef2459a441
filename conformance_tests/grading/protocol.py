"""What the parent accepts from a worker: length-prefixed JSON frames (4-byte big-endian length,
then UTF-8 JSON; never pickle: a compromised worker controls its end of the pipe), read with a
size limit and a deadline and checked against a strict schema; and student text cut to one
bounded line with every absolute path replaced by <path>."""

from __future__ import annotations

import json
import math
import os
import re
import select
import time
from dataclasses import dataclass, field
from typing import Any

MAX_FRAME = 16 * 2**20  # bytes of one frame from the worker
MAX_VALUES = 2**20  # numbers in one reply
MAX_NOTICES = 50  # violation notices kept per call
MESSAGE_LIMIT = 300
STATUSES = ("ok", "raised", "bad_output", "exit")
PATH = re.compile(r"(?<![\w.~-])(?:/[^\s/'\"`,;:()\[\]{}<>]+)+/?")


class ProtocolError(Exception):
    """The worker sent something that is not a well-formed frame of the protocol."""


@dataclass
class Reply:
    """One call as the parent saw it. kind: ok, raised, bad_output, exit, timeout, crashed, protocol."""

    kind: str
    values: list[float] | None = None
    shape: tuple[int, ...] | None = None
    message: str = ""
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)


def one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def scrubbed(text: str) -> str:
    """Student text (an exception message) as one bounded line without absolute paths."""
    return one_line(PATH.sub("<path>", " ".join(str(text)[: 4 * MESSAGE_LIMIT].split())))


def valid_name(x: Any) -> bool:
    return type(x) is str and 0 < len(x) <= 200


def _number(x: Any) -> float:
    if type(x) is float:
        return x
    if type(x) is int:
        return float(x)  # OverflowError for a huge int: caught as a protocol error
    raise ProtocolError(f"a value of type {type(x).__name__}")


def parse_reply(frame: Any, call_id: int) -> Reply:
    """Check a reply frame against the schema; a Reply of plain floats."""
    if type(frame) is not dict or frame.get("t") != "reply":
        raise ProtocolError("not a reply")
    if type(frame.get("id")) is not int or frame["id"] != call_id:
        raise ProtocolError("a reply to another call")
    status = frame.get("status")
    if status not in STATUSES:
        raise ProtocolError("unknown status")
    if status != "ok":
        message = frame.get("message")
        if type(message) is not str:
            raise ProtocolError("no message")
        return Reply(str(status), message=scrubbed(message))
    shape, values = frame.get("shape"), frame.get("values")
    if (
        type(shape) is not list
        or len(shape) > 8
        or not all(type(n) is int and 0 <= n <= MAX_VALUES for n in shape)
    ):
        raise ProtocolError("bad shape")
    if type(values) is not list or len(values) > MAX_VALUES or len(values) != math.prod(shape):
        raise ProtocolError("values do not fill the shape")
    return Reply("ok", values=[_number(v) for v in values], shape=tuple(shape))


def send_frame(fd: int, obj: Any, deadline: float) -> None:
    """Write one frame to a pipe before the deadline (TimeoutError), never blocking past it."""
    data = json.dumps(obj, allow_nan=True).encode("utf-8")
    data = len(data).to_bytes(4, "big") + data
    os.set_blocking(fd, False)
    while data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        _, ready, _ = select.select([], [fd], [], left)
        if not ready:
            continue
        try:
            data = data[os.write(fd, data) :]
        except BlockingIOError:
            continue


def receive_frame(fd: int, buffer: bytes, deadline: float) -> tuple[Any, bytes]:
    """One frame parsed as JSON, and the bytes read past it; TimeoutError, EOFError or
    ProtocolError (a frame over MAX_FRAME bytes, or not JSON)."""
    while True:
        if len(buffer) >= 4:
            size = int.from_bytes(buffer[:4], "big")
            if size > MAX_FRAME:
                raise ProtocolError(f"a frame of {size} bytes")
            if len(buffer) >= 4 + size:
                data, rest = buffer[4 : 4 + size], buffer[4 + size :]
                try:
                    return json.loads(data.decode("utf-8")), rest
                except (ValueError, RecursionError) as exc:
                    raise ProtocolError(f"not JSON ({type(exc).__name__})") from None
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise EOFError
        buffer += chunk
