"""`grader serve`: the manual-points page (grader/serve/), until Ctrl-C. grader/cli.py registers it."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from grader.commands.options import COURSE_OPTION, GRADEBOOK_OPTION


@click.command()
@GRADEBOOK_OPTION
@COURSE_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free one; the address is printed).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anyone who can reach it can enter points: keep it local.")
def serve(gradebook: Path, course: Path | None, port: int, host: str) -> None:
    """A local web page to enter and review manual points: each manual check beside the student's
    answer, written to the gradebook with the same checks as `grader manual set`."""
    from grader.serve.server import course_assignments, make_server
    from grader.serve.site import ManualPointsSite

    site = ManualPointsSite(gradebook=gradebook, assignments=course_assignments(course))
    server = make_server(site, host, port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach it can enter points", err=True)
    click.echo(f"manual points: http://{_url_host(host)}:{server.server_address[1]}/  (Ctrl-C to stop)", err=True)
    # Ctrl-C (SIGINT) stops it even when a script started it in the background, where the shell
    # hands it SIGINT ignored and Python would keep that
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
