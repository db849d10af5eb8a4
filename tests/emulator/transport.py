"""The emulator's HTTP server: threads, one request per call, connections it can cut."""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import BotApiEmulator


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server that remembers open connections so stop() can cut them."""

    daemon_threads = True

    def __init__(self, emulator: BotApiEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def cut_connections(self) -> None:
        """Close keep-alive connections so handler threads end with the server."""
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into emulator calls."""

    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    server: _Server

    def setup(self) -> None:
        """Register the connection."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Telegram accepts GET."""
        self.serve()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """And POST, which PTB always uses."""
        self.serve()

    def serve(self) -> None:
        """Answer one request."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urllib.parse.urlsplit(self.path)
        answer = self.server.emulator.answer_http(
            url.path, url.query, self.headers.get("Content-Type", ""), body, self.client_gone
        )
        if answer is None:
            # Reset instead of answering: SO_LINGER 0 turns close() into an RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        status, payload = answer
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (e.g. the bot was killed mid long poll)
            self.close_connection = True

    def client_gone(self) -> bool:
        """Whether the client closed the connection while we were still working."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Keep test output quiet."""
