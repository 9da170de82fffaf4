"""Talk to the flowy-swf worker that runs this program (a CommandActivity).

Standard library only. The worker puts this module on the program's PYTHONPATH and the path of a
Unix socket in FLOWY_SWF_SOCKET; the functions below speak the flowy-swf protocol over it
(docs/protocol.md: 4-byte big-endian length, then UTF-8 JSON).

    from flowy_swf_task import heartbeat, complete, fail

    for step in range(10):
        if not heartbeat({"step": step}):   # False: the task was cancelled or timed out, stop
            break
        ...
    complete({"frames": 10})                # the task's result (exit 0 afterwards)
"""

import json
import os
import socket
import struct
import threading

__all__ = ["available", "heartbeat", "complete", "fail", "TaskError", "SOCKET_ENV"]

SOCKET_ENV = "FLOWY_SWF_SOCKET"
_HEADER = struct.Struct(">I")
_CREDIT = 16


class TaskError(Exception):
    """A call failed on the worker's side; ``type`` and ``remote_stack`` say how."""

    def __init__(self, error):
        self.type = str(error.get("type", "Error"))
        self.remote_stack = error.get("stack")
        self.cause = error.get("cause")
        super().__init__("%s: %s" % (self.type, error.get("message", "")))


class _Connection:
    def __init__(self, path):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(path)
        self._lock = threading.Lock()
        self._next_id = 1
        self._caller_id = "python:%d" % os.getpid()

    def _send(self, message):
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        self._sock.sendall(_HEADER.pack(len(body)) + body)

    def _recv_exactly(self, n):
        chunks = []
        while n > 0:
            chunk = self._sock.recv(min(n, 1 << 20))
            if not chunk:
                raise ConnectionError("the flowy-swf worker closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _recv(self):
        (length,) = _HEADER.unpack(self._recv_exactly(_HEADER.size))
        return json.loads(self._recv_exactly(length).decode("utf-8"))

    def call(self, namespace, function, args):
        with self._lock:
            call_id = self._next_id
            self._next_id += 1
            self._send({"type": "call", "callId": call_id, "callerId": self._caller_id,
                        "ns": namespace, "func": function, "args": args, "credit": _CREDIT})
            while True:
                message = self._recv()
                kind = message.get("type")
                if kind == "call":
                    # This side serves no functions.
                    self._send({"type": "error", "callId": message.get("callId"), "error": {
                        "type": "NoSuchFunctionError",
                        "message": "%s serves no functions" % self._caller_id}})
                    continue
                if message.get("callId") != call_id:
                    continue
                if kind == "return":
                    return message.get("value")
                if kind == "stop":
                    return message.get("value")
                if kind == "error":
                    raise TaskError(message.get("error") or {})
                if kind == "yield":
                    self._send({"type": "credit", "callId": call_id, "n": 1})
                # "ack": wait for the answer


_connection = None
_connection_lock = threading.Lock()


def available():
    """True when this program runs under a flowy-swf worker that gave it a socket."""
    return bool(os.environ.get(SOCKET_ENV))


def _conn():
    global _connection
    with _connection_lock:
        if _connection is None:
            path = os.environ.get(SOCKET_ENV)
            if not path:
                raise RuntimeError(
                    "%s is not set: this program is not run by a flowy-swf CommandActivity" % SOCKET_ENV)
            _connection = _Connection(path)
        return _connection


def _call(namespace, function, **kwargs):
    """Call ``namespace.function`` on the worker with keyword arguments; return its result."""
    return _conn().call(namespace, function, kwargs)


def heartbeat(details=None):
    """Report progress (at most 2,048 characters once encoded). False means stop: cancelled or timed out."""
    if details is None:
        return bool(_call("task", "heartbeat"))
    return bool(_call("task", "heartbeat", details=details))


def complete(result=None):
    """Set the task's result (any JSON value); it is reported when the program exits with code 0."""
    _call("task", "complete", result=result)


def fail(reason, details=None):
    """Fail the task with ``reason`` and JSON ``details``; reported when the program exits, whatever its code."""
    _call("task", "fail", reason=reason, details=details)
