"""`grader serve` on the standard library's HTTP server, for one instructor on their own machine.

It listens on 127.0.0.1 unless told otherwise. Beyond the site's token (grader/serve/site.py) it
answers only requests addressed to its own host and port (a page on another site cannot reach it
through a DNS name that points at 127.0.0.1), takes only small URL-encoded forms, and sends every
page with a Content-Security-Policy that allows no script, no frame and no image from elsewhere,
so even a student's answer that got past the escaping could run nothing.
"""

from __future__ import annotations

from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from grader.course import LoadedAssignment, course_root, list_assignments, load_assignment
from grader.errors import UsageError
from grader.serve.review import manual_checks
from grader.serve.site import ManualPointsSite, Response

MAX_FORM_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def course_assignments(course: Path | None) -> list[LoadedAssignment]:
    """The course's assignments that have manual checks (a spec error in any is a usage error)."""
    root = course_root(course)
    loaded = [load_assignment(name, root=root) for name in list_assignments(root)]
    found = [assignment for assignment in loaded if manual_checks(assignment)]
    if not found:
        raise UsageError(f"no assignment in {root} has a manual check: there are no points to enter")
    return found


def make_server(site: ManualPointsSite, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for `site` (port 0: any free port; read it from `server.server_address`)."""

    class Handler(_Handler):
        pass

    Handler.site = site
    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_port = server.server_address[1]
    Handler.hosts = {f"{name}:{bound_port}" for name in (host, "127.0.0.1", "localhost", "[::1]")}
    return server


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[ManualPointsSite]
    hosts: ClassVar[set[str]] = set()
    server_version = "grader-serve"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self._addressed_to_us():
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            self._send(self.site.get(url.path, query))

    def do_POST(self) -> None:  # noqa: N802 - as do_GET
        if not self._addressed_to_us():
            return
        length = int(self.headers.get("Content-Length") or 0)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind != "application/x-www-form-urlencoded" or not 0 < length <= MAX_FORM_BYTES:
            self._send(Response(HTTPStatus.BAD_REQUEST, "a form of at most 64 KiB is expected\n"), html=False)
            return
        try:
            fields = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            self._send(Response(HTTPStatus.BAD_REQUEST, "the form could not be read\n"), html=False)
            return
        self._send(self.site.post(urlsplit(self.path).path, {key: values[0] for key, values in fields.items()}))

    def _addressed_to_us(self) -> bool:
        if self.headers.get("Host", "") in self.hosts:
            return True
        self._send(Response(HTTPStatus.MISDIRECTED_REQUEST, "this server answers only at its own address\n"),
                   html=False)
        return False

    def _send(self, response: Response, *, html: bool = True) -> None:
        body = response.body.encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", "text/html; charset=utf-8" if html else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if response.location:
            self.send_header("Location", response.location)
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

