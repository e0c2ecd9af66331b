"""A small Python client for Sira Session, standard library only.

Tensors come back as numpy arrays through the stock ``safetensors`` package when it is installed
(``pip install safetensors numpy``), else as ``(dtype, shape, bytes)`` from the built-in reader of the same
safetensors layout. Writes are retried with one ``Idempotency-Key`` per call, so a retried append is stored once.

    from sira_session import SiraClient
    sira = SiraClient("http://127.0.0.1:8080", api_key="dev-key-change-me")
    s = sira.create_session(user_id="u-42")
    sira.append_turns(s["id"], [{"role": "user", "content": "hello"}])
    ctx = sira.context(s["id"], query="hello?", budget_tokens=2000)
    for event in sira.events(s["id"], after=0):
        print(event["type"])
"""
from __future__ import annotations

import json
import random
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Iterator, Optional

__all__ = ["SiraClient", "SiraApiError", "read_safetensors"]

RETRYABLE = {408, 429, 502, 503, 504}


class SiraApiError(Exception):
    """An RFC 9457 problem answered by the service; ``code`` is the stable SIRA_ERR_* code."""

    def __init__(self, status: int, problem: dict):
        super().__init__(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        self.status = status
        self.code = problem.get("code", f"HTTP_{status}")
        self.problem = problem


def read_safetensors(blob: bytes) -> dict:
    """The tensors of a safetensors blob as {name: (dtype, shape, raw little-endian bytes)} (no numpy needed)."""
    (n,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = (info["dtype"], info["shape"], blob[8 + n + start : 8 + n + end])
    return out


class SiraClient:
    """Sessions, turns, state, tensors, context and events of one Sira Session service."""

    def __init__(self, base_url: str, api_key: Optional[str] = None, retries: int = 3, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.retries = retries
        self.timeout = timeout

    # ---- plumbing
    def _headers(self, extra: Optional[dict] = None) -> dict:
        h = {} if self.api_key is None else {"authorization": f"Bearer {self.api_key}"}
        h.update(extra or {})
        return h

    def _url(self, path: str, query: Optional[dict] = None) -> str:
        q = {k: v for k, v in (query or {}).items() if v is not None}
        return self.base_url + path + ("?" + urllib.parse.urlencode(q) if q else "")

    def _send(self, method: str, path: str, body: Any = None, query: Optional[dict] = None,
              headers: Optional[dict] = None, raw: Optional[bytes] = None, content_type: str = "application/json"):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = self._headers(headers)
        if data is not None:
            h.setdefault("content-type", content_type)
        if method in ("POST", "PATCH"):
            h.setdefault("idempotency-key", str(uuid.uuid4()))
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self._url(path, query), data=data, method=method, headers=h)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    return res.status, dict(res.headers), res.read()
            except urllib.error.HTTPError as e:
                payload = e.read()
                if e.code in RETRYABLE and attempt < self.retries:
                    time.sleep(float(e.headers.get("retry-after") or 0.05 * 2 ** attempt * random.random()))
                    continue
                try:
                    problem = json.loads(payload)
                except ValueError:
                    problem = {"title": e.reason, "detail": payload[:500].decode(errors="replace")}
                raise SiraApiError(e.code, problem) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if attempt >= self.retries:
                    raise
                time.sleep(0.05 * 2 ** attempt * random.random())
        raise AssertionError("unreachable")

    def _json(self, method: str, path: str, body: Any = None, query: Optional[dict] = None, headers: Optional[dict] = None):
        status, _, payload = self._send(method, path, body, query, headers)
        return None if status == 204 or not payload else json.loads(payload)

    @staticmethod
    def _q(s: str) -> str:
        return urllib.parse.quote(s, safe="")

    # ---- sessions and turns
    def create_session(self, **fields) -> dict:
        return self._json("POST", "/v1/sessions", fields)

    def get_session(self, session_id: str) -> dict:
        return self._json("GET", f"/v1/sessions/{self._q(session_id)}")

    def delete_session(self, session_id: str) -> None:
        self._json("DELETE", f"/v1/sessions/{self._q(session_id)}")

    def append_turns(self, session_id: str, turns: list) -> dict:
        return self._json("POST", f"/v1/sessions/{self._q(session_id)}/turns", {"turns": turns})

    def get_turns(self, session_id: str, **query) -> dict:
        return self._json("GET", f"/v1/sessions/{self._q(session_id)}/turns", query=query)

    # ---- state
    def get_state(self, session_id: str) -> dict:
        return self._json("GET", f"/v1/sessions/{self._q(session_id)}/state")

    def put_state(self, session_id: str, state: dict, version: Optional[int] = None) -> dict:
        h = {} if version is None else {"if-match": f'"{version}"'}
        return self._json("PUT", f"/v1/sessions/{self._q(session_id)}/state", state, headers=h)

    # ---- tensors
    def put_tensor(self, session_id: str, name: str, array=None, *, dtype: Optional[str] = None,
                   shape: Optional[list] = None, data: Optional[bytes] = None) -> dict:
        """Store a numpy array (dtype from the array), or raw little-endian ``data`` with ``dtype`` and ``shape``."""
        if array is not None:
            kinds = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64", "int32": "i32",
                     "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "bool"}
            dtype, shape, data = kinds[str(array.dtype)], list(array.shape), array.astype(array.dtype.newbyteorder("<")).tobytes()
        headers = {"x-tensor-dtype": dtype, "x-tensor-shape": ",".join(str(d) for d in shape)}
        _, _, payload = self._send("PUT", f"/v1/sessions/{self._q(session_id)}/tensors/{self._q(name)}",
                                   raw=data, headers=headers, content_type="application/octet-stream")
        return json.loads(payload)

    def get_tensor_safetensors(self, session_id: str, name: str) -> bytes:
        """The tensor as a one-tensor safetensors file (bytes)."""
        _, _, payload = self._send("GET", f"/v1/sessions/{self._q(session_id)}/tensors/{self._q(name)}",
                                   headers={"accept": "application/safetensors"})
        return payload

    def get_tensor(self, session_id: str, name: str):
        """A numpy array through the stock safetensors package when installed, else (dtype, shape, bytes)."""
        blob = self.get_tensor_safetensors(session_id, name)
        try:
            from safetensors.numpy import load
        except ImportError:
            return read_safetensors(blob)[name]
        return load(blob)[name]

    # ---- context and events
    def context(self, session_id: str, **body) -> dict:
        return self._json("POST", f"/v1/sessions/{self._q(session_id)}/context", body)

    def events(self, session_id: str, after: int = 0, max_reconnects: int = 3) -> Iterator[dict]:
        """Session events (SSE) from ``after``; reconnects with Last-Event-ID; ends after session.deleted."""
        last, reconnects = after, 0
        while True:
            req = urllib.request.Request(self._url(f"/v1/sessions/{self._q(session_id)}/events"),
                                         headers=self._headers({"accept": "text/event-stream", "last-event-id": str(last)}))
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    event, data = "message", []
                    for line in res:
                        line = line.decode().rstrip("\r\n")
                        if line == "":
                            if data:
                                payload = json.loads("\n".join(data))
                                if event == "error":
                                    raise SiraApiError(400, payload)
                                reconnects, last = 0, payload["id"]
                                yield payload
                                if payload["type"] == "session.deleted":
                                    return
                            event, data = "message", []
                        elif line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:"):
                            data.append(line[5:].lstrip(" "))
            except urllib.error.HTTPError as e:
                raise SiraApiError(e.code, json.loads(e.read() or b"{}")) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            reconnects += 1
            if reconnects > max_reconnects:
                raise ConnectionError("the events stream kept closing")
            time.sleep(0.05 * 2 ** reconnects)
