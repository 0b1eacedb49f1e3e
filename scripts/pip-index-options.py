"""Print, one per line, the uv options that say where pip would take packages from and under which
caps (index-url, extra-index-url, find-links, no-index, constraint, trusted-host), so that
scripts/setup.sh's uv installs from the same places as pip: uv does not read pip.conf or PIP_*
variables. The values are the ones `pip install` itself resolves from its configuration files and
environment, with pip's own precedence (pip's command parser; if that ever moves, this script fails
and setup.sh installs with pip)."""

from __future__ import annotations

from pip._internal.commands import create_command


def uv_options() -> list[str]:
    options, _ = create_command("install").parse_args([])
    words = ["--index-url", options.index_url] + (["--no-index"] if options.no_index else [])
    for option, values in (("--extra-index-url", options.extra_index_urls), ("--find-links", options.find_links),
                           ("--constraint", options.constraints), ("--allow-insecure-host", options.trusted_hosts)):
        for value in values:
            words += [option, value]
    return words


if __name__ == "__main__":
    print("\n".join(uv_options()))
