"""Downloads while grading. A sandbox has no network, yet notebooks fetch their data the usual way:
torchvision's `download=True` into any root, Keras's `get_file`, torch.hub's checkpoints. Inside the
kernel every HTTP(S) request made through urllib is answered here: a URL whose file the grader staged
(grader/datasets/origins.py) gets that file, in its real format, into whatever folder the notebook
downloads it to; any other fails at once with a URLError saying that grading is offline and what to
use instead, rather than a name-resolution error.

Why urllib: torchvision (`datasets.utils._urlretrieve`), Keras (`get_file`, through
`urllib.request.urlretrieve`), torch.hub (`download_url_to_file`) and pandas (`read_csv(url)`) all
open URLs with `urllib.request.urlopen`. Why at `AbstractHTTPHandler.do_open` rather than by
installing an opener: every urllib opener opens HTTP and HTTPS there, including one a notebook
installs itself (the well-known User-Agent fix for MNIST's HTTP 403) or builds with `build_opener()`.

A served file still differs from the real one, so the loaders' integrity checks must accept it:
grader/datasets/keras_shim.py does, by content. Standard library only: it runs before any student
code and must not import a framework.
"""

from __future__ import annotations

import email
import os
import posixpath
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from dataclasses import dataclass

OFFLINE = "grading is offline"
TORCH_WEIGHTS = "download.pytorch.org/"  # torchvision's weights and torch.hub checkpoints, as url_key writes them
KERAS_WEIGHTS = "storage.googleapis.com/tensorflow/keras-applications/"  # keras.applications' weights="imagenet"


class NotProvided(urllib.error.URLError):
    """A download the grader does not serve. A URLError, so that code which handles a failed
    download (torchvision's mirror loop, Keras's get_file) handles this one the same way."""


def url_key(url: str) -> str:
    """A URL as it is matched: host and path. http and https alike (torchvision retries an https
    URL over http); the query is ignored."""
    parts = urllib.parse.urlsplit(url)
    return parts.netloc.lower() + parts.path


class ServedFile(urllib.response.addinfourl):
    """A staged file as an HTTP 200 response, with what urllib's do_open gives its responses: `msg`
    (the reason, which urllib's response processor reads), Content-Length (urlretrieve, torch.hub)
    and `length` (torchvision's progress bar)."""

    def __init__(self, path: str, url: str) -> None:
        size = os.path.getsize(path)
        headers = email.message_from_string(f"Content-Type: application/octet-stream\nContent-Length: {size}\n\n")
        super().__init__(open(path, "rb"), headers, url, code=200)  # noqa: SIM115 - the response owns it
        self.msg, self.length = "OK", size


@dataclass(frozen=True)
class Downloads:
    """What this sandbox serves: {url_key: absolute path of the staged copy}, and the datasets they
    belong to (named in the refusal)."""

    files: dict[str, str]
    datasets: tuple[str, ...]

    @classmethod
    def from_job(cls, downloads: dict[str, dict[str, str]], root: str) -> Downloads:
        """From the job's {dataset: {URL: path relative to the sandbox root}}."""
        files = {url_key(url): os.path.join(root, relative)
                 for urls in downloads.values() for url, relative in urls.items()}
        return cls(files=files, datasets=tuple(sorted(downloads)))

    def open(self, url: str) -> ServedFile:
        path = self.files.get(url_key(url))
        if path is None:
            raise NotProvided(self.refusal(url))
        return ServedFile(path, url)

    def refusal(self, url: str) -> str:
        """Why `url` cannot be downloaded, and what to use instead."""
        parts = urllib.parse.urlsplit(url)
        where, file = url_key(url), posixpath.basename(parts.path)
        if where.startswith(TORCH_WEIGHTS):
            return (f"{OFFLINE}: {url} is not provided. Pretrained weights are there only when the instructor "
                    f"provides the checkpoint {file} (docs/datasets.md, \"Pretrained weights\"); without it, "
                    "build the model with weights=None")
        if where.startswith(KERAS_WEIGHTS):
            return (f"{OFFLINE}: {url} is not provided: Keras's pretrained weights ({file}) cannot be downloaded "
                    "while grading; build the model with weights=None")
        if self.datasets:
            return (f"{OFFLINE}: {url} is not provided; use the data this assignment provides: "
                    f"{', '.join(self.datasets)} (the usual torchvision and Keras loaders download it offline, "
                    "into any folder), or the files its README names")
        return f"{OFFLINE}: {url} is not provided; use the files the assignment's README names"


def install(downloads: dict[str, dict[str, str]], root: str) -> None:
    """Answer urllib's HTTP(S) requests from `downloads` (the job's, paths relative to `root`)."""
    served = Downloads.from_job(downloads, root)

    def do_open(handler: urllib.request.AbstractHTTPHandler, http_class: object,
                request: urllib.request.Request, **connection: object) -> ServedFile:
        return served.open(request.full_url)

    setattr(urllib.request.AbstractHTTPHandler, "do_open", do_open)  # noqa: B010 - replacing a method
