"""Print, one per line, the uv options that say what pip's configuration says about where packages
come from (index-url, extra-index-url, find-links, no-index, constraint, trusted-host), so that
scripts/setup.sh's uv installs from the same places and under the same caps as pip would: uv does
not read pip.conf or PIP_* variables. As in pip, a later scope (site, then environment) replaces
an earlier one (global, user)."""

from __future__ import annotations

import ast
import subprocess
import sys

LIST_OPTIONS = {"extra-index-url": "--extra-index-url", "find-links": "--find-links",
                "constraint": "--constraint", "trusted-host": "--allow-insecure-host"}


def pip_settings() -> dict[str, str]:
    """`pip config list` as {key: value}, the last scope that sets a key winning."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                            check=True).stdout
    settings: dict[str, str] = {}
    for line in listed.splitlines():
        name, _, value = line.partition("=")
        settings[name.rsplit(".", 1)[-1]] = str(ast.literal_eval(value))
    return settings


def uv_options(settings: dict[str, str]) -> list[str]:
    options = []
    if settings.get("index-url"):
        options += ["--index-url", settings["index-url"]]
    if settings.get("no-index", "").lower() in ("1", "true", "yes", "on"):
        options.append("--no-index")
    for key, option in LIST_OPTIONS.items():
        for value in settings.get(key, "").split():
            options += [option, value]
    return options


if __name__ == "__main__":
    print("\n".join(uv_options(pip_settings())))
