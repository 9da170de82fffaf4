"""Talk to the flowy-swf worker that runs this program (a CommandActivity).

Standard library only. The worker puts this module on the program's PYTHONPATH, the path of a Unix
socket in FLOWY_SWF_SOCKET and the task's invocation id in FLOWY_SWF_INVOCATION_ID; the functions
below speak the flowy-swf protocol over the socket (docs/protocol.md: 4-byte big-endian length, then
UTF-8 JSON). Calls may come from several threads at once: a heartbeat goes out while another thread
waits in receive_message.

    from flowy_swf_task import heartbeat, complete, fail

    for step in range(10):
        if not heartbeat({"step": step}):   # False: the task was cancelled or timed out, stop
            break
        ...
    complete({"frames": 10})                # the task's result (exit 0 afterwards)

Messages between running invocations (docs/messaging.md):

    from flowy_swf_task import invocation_id, send_message, receive_message

    send_message(parent_id, "progress", {"pct": 50})        # MessageSendError with .code on failure
    sender, data = receive_message("reply", timeout=60)     # MessageReceiveTimeout after 60 s
"""

import json
import os
import queue
import socket
import struct
import threading

__all__ = [
    "available", "heartbeat", "complete", "fail", "invocation_id", "send_message", "receive_message",
    "Message", "TaskError", "MessagingError", "MessageSendError", "MessageReceiveError",
    "MessageReceiveTimeout", "SOCKET_ENV", "INVOCATION_ID_ENV",
]

SOCKET_ENV = "FLOWY_SWF_SOCKET"
INVOCATION_ID_ENV = "FLOWY_SWF_INVOCATION_ID"
_HEADER = struct.Struct(">I")
_CREDIT = 16


class TaskError(Exception):
    """A call failed on the worker's side; ``type``, ``code`` and ``remote_stack`` say how."""

    def __init__(self, error):
        self.type = str(error.get("type", "Error"))
        self.code = error.get("code")
        self.remote_message = str(error.get("message", ""))
        self.remote_stack = error.get("stack")
        self.cause = error.get("cause")
        super().__init__("%s: %s" % (self.type, error.get("message", "")))


class _Connection:
    """One socket to the worker. A reader thread hands each answer to the call waiting for it."""

    def __init__(self, path):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(path)
        self._send_lock = threading.Lock()
        self._calls_lock = threading.Lock()
        self._calls = {}
        self._closed = None
        self._next_id = 1
        self._caller_id = "python:%d" % os.getpid()
        reader = threading.Thread(target=self._read_loop, name="flowy-swf-reader", daemon=True)
        reader.start()

    def _send(self, message):
        # allow_nan=False: NaN and Infinity have no JSON form; refuse them here, not on the worker's side.
        body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
        with self._send_lock:
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

    def _read_loop(self):
        try:
            while True:
                message = self._recv()
                if message.get("type") == "call":
                    # This side serves no functions.
                    self._send({"type": "error", "callId": message.get("callId"), "error": {
                        "type": "NoSuchFunctionError",
                        "message": "%s serves no functions" % self._caller_id}})
                    continue
                with self._calls_lock:
                    waiting = self._calls.get(message.get("callId"))
                if waiting is not None:
                    waiting.put(message)
        except Exception as error:  # the connection is gone: every waiting call fails
            with self._calls_lock:
                self._closed = error
                waiting = list(self._calls.values())
            for answers in waiting:
                answers.put({"type": "closed", "error": error})

    def call(self, namespace, function, args):
        answers = queue.Queue()
        with self._calls_lock:
            if self._closed is not None:
                raise ConnectionError("the flowy-swf worker closed the connection: %s" % self._closed)
            call_id = self._next_id
            self._next_id += 1
            self._calls[call_id] = answers
        try:
            self._send({"type": "call", "callId": call_id, "callerId": self._caller_id,
                        "ns": namespace, "func": function, "args": args, "credit": _CREDIT})
            while True:
                message = answers.get()
                kind = message.get("type")
                if kind in ("return", "stop"):
                    return message.get("value")
                if kind == "error":
                    raise TaskError(message.get("error") or {})
                if kind == "closed":
                    raise ConnectionError("the flowy-swf worker closed the connection: %s" % message["error"])
                if kind == "yield":
                    self._send({"type": "credit", "callId": call_id, "n": 1})
                # "ack": wait for the answer
        finally:
            with self._calls_lock:
                self._calls.pop(call_id, None)


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


class MessagingError(Exception):
    """A messaging call failed; ``code`` says why (docs/messaging.md lists the codes)."""

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


class MessageSendError(MessagingError):
    """send_message failed: ``code`` is ADDRESSEE_TIMEOUT, INVOCATION_FINISHED, INVOCATION_UNKNOWN,
    TIMEOUT, MESSAGE_TOO_LARGE, INVALID_ARGUMENT, ABORTED or ROUTER_UNAVAILABLE."""


class MessageReceiveError(MessagingError):
    """receive_message failed for a reason other than its timeout: INVALID_ARGUMENT, ABORTED,
    INVOCATION_FINISHED or ROUTER_UNAVAILABLE."""


class MessageReceiveTimeout(MessageReceiveError):
    """No message came to the addressee within receive_message's ``timeout`` (code RECEIVE_TIMEOUT)."""

    def __init__(self, message):
        super().__init__("RECEIVE_TIMEOUT", message)


class Message(tuple):
    """A received message: unpacks as ``(sender, data)``; ``.sender`` is the sending invocation's id,
    ``.data`` the JSON value sent, ``.addressee`` the addressee it came to."""

    def __new__(cls, sender, data, addressee):
        self = tuple.__new__(cls, (sender, data))
        self.sender = sender
        self.data = data
        self.addressee = addressee
        return self

    def __repr__(self):
        return "Message(sender=%r, data=%r, addressee=%r)" % (self.sender, self.data, self.addressee)


def _messaging_error(error):
    """The typed error for a TaskError the worker sent, or the TaskError itself when it is not one."""
    message = error.remote_message
    if error.type == "MessageReceiveTimeout":
        return MessageReceiveTimeout(message)
    if error.type == "MessageReceiveError":
        return MessageReceiveError(error.code or "ROUTER_UNAVAILABLE", message)
    if error.type == "MessageSendError":
        return MessageSendError(error.code or "ROUTER_UNAVAILABLE", message)
    return error


def invocation_id():
    """This program's invocation id (the task's ``activityInfo().invocationId``): pass it to another
    activity so that one can send messages here."""
    value = os.environ.get(INVOCATION_ID_ENV)
    if not value:
        raise RuntimeError(
            "%s is not set: this program is not run by a flowy-swf CommandActivity" % INVOCATION_ID_ENV)
    return value


def send_message(invocation_id, addressee, data, addressee_timeout=90, timeout=None):
    """Send ``data`` (any JSON value, at most 256 KiB as JSON) to ``addressee`` of running invocation
    ``invocation_id``; return once a receiver waiting there took it. Wait at most ``addressee_timeout``
    seconds (None: the default, 90) for a receiver, and ``timeout`` seconds (None: none) in all.
    Raise MessageSendError with ``.code`` when it cannot be delivered."""
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise MessageSendError("INVALID_ARGUMENT", "send_message: data has no JSON form (%s); send a JSON value" % error) from None
    try:
        _call("messaging", "send", invocation_id=invocation_id, addressee=addressee, data=data,
              addressee_timeout=addressee_timeout, timeout=timeout)
    except TaskError as error:
        raise _messaging_error(error) from None


def receive_message(addressee, timeout=None):
    """Wait for one message on ``addressee`` of this program's invocation; return a Message, which
    unpacks as ``(sender, data)``. Raise MessageReceiveTimeout after ``timeout`` seconds (None: wait
    until a message comes or the task ends), MessageReceiveError for other failures."""
    try:
        answer = _call("messaging", "receive", addressee=addressee, timeout=timeout)
    except TaskError as error:
        raise _messaging_error(error) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("from"), str):
        raise MessageReceiveError("ROUTER_UNAVAILABLE", "messaging.receive answered %r; expected {from, addressee, data}" % (answer,))
    return Message(answer.get("from"), answer.get("data"), answer.get("addressee", addressee))
