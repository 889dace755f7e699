"""A small HTTP client for tests over real sockets: cookies, CSRF tokens, a chosen Host header,
a chosen source address (127.0.0.2, 127.0.0.3, ... on Linux loopback), no redirects followed;
and a tiny threaded reverse proxy that forwards as nginx does with
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`."""

from __future__ import annotations

import http.client
import json as jsonlib
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

from tests.conftest import csrf_token_from

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


@dataclass
class Answer:
    """A response: status, headers (an http.client.HTTPMessage) and the body as text."""

    status: int
    headers: http.client.HTTPMessage
    text: str

    def json(self):
        return jsonlib.loads(self.text)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class WebClient:
    """One browser-like client of `base_url`: keeps its cookies, may send a foreign Host header
    and may connect from a given loopback source address."""

    def __init__(self, base_url: str, host: str | None = None, source: str | None = None):
        parts = urlsplit(base_url)
        self.address = (parts.hostname, parts.port)
        self.host = host
        self.source = source
        self.cookies: dict[str, str] = {}
        self.history: list[Answer] = []  # every answer, oldest first

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        conn = http.client.HTTPConnection(
            *self.address, timeout=30, source_address=(self.source, 0) if self.source else None
        )
        sent = dict(headers or {})
        if self.host:
            sent["Host"] = self.host
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        answer = Answer(response.status, response.headers, text)
        self.history.append(answer)
        return answer

    def get(self, path: str, headers: dict | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict | None = None, headers: dict | None = None) -> Answer:
        return self.request(
            "POST",
            path,
            urlencode(data or {}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def post_json(self, path: str, body, headers: dict | None = None) -> Answer:
        return self.request(
            "POST",
            path,
            jsonlib.dumps(body).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def submit(
        self,
        path: str,
        data: dict | None = None,
        page: str | None = None,
        headers: dict | None = None,
    ) -> Answer:
        """Fetch the form's page, take its CSRF token, post the form."""
        form_page = self.get(page or path, headers=headers)
        assert form_page.status == 200, (form_page.status, form_page.text[:500])
        return self.post(
            path, {**(data or {}), "csrf_token": csrf_token_from(form_page.text)}, headers=headers
        )


class ReverseProxy:
    """A reverse proxy on loopback in front of `upstream_url`: passes the Host header on and
    appends the connecting client's address to X-Forwarded-For, as nginx does. It forwards an
    absolute request target as it came, so it also serves as an HTTP client's forward proxy."""

    def __init__(self, upstream_url: str):
        upstream = urlsplit(upstream_url)
        seen = self.seen = []  # the request targets it forwarded, in order

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in HOP_BY_HOP | {"x-forwarded-proto"}
                }
                forwarded = self.headers.get("X-Forwarded-For")
                client = self.client_address[0]
                headers["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
                headers["X-Forwarded-Proto"] = "http"
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                finally:
                    conn.close()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ReverseProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
