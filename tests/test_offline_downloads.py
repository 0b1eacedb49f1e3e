"""Downloads while grading: inside the sandbox the usual loaders' downloads of the files the grader
provides are answered from the staged copies whatever root the notebook passes, and every other
download fails at once saying that grading is offline (grader/datasets/offline.py)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import urllib.error
from pathlib import Path

import nbformat
import pytest

from conftest import make_notebook
from grader.datasets import get_provider
from grader.datasets.keras_shim import Provisioned
from grader.datasets.offline import OFFLINE, Downloads, NotProvided
from grader.datasets.origins import CIFAR10_ARCHIVE, KERAS_DATASETS, ORIGINS, TORCH_MODELS
from grader.datasets.pretrained import TORCH_CHECKPOINTS
from grader.datasets.sandbox import served_downloads

EXAMPLE = "https://example.com/x.csv"
RESNET18 = f"{TORCH_MODELS}resnet18-f37072fd.pth"
VGG16_BN = f"{TORCH_MODELS}vgg16_bn-6c64b313.pth"
KERAS_MNIST = f"{KERAS_DATASETS}mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # the real file's


def served_urls(dataset: str) -> set[str]:
    return {url for urls in ORIGINS[dataset].values() for url in urls}


def test_the_served_urls_are_the_installed_torchvisions():
    datasets = pytest.importorskip("torchvision.datasets")
    for loader, dataset in ((datasets.MNIST, "mnist"), (datasets.FashionMNIST, "fashion_mnist")):
        wanted = {mirror + file for mirror in loader.mirrors for file, _ in loader.resources}
        assert wanted <= served_urls(dataset), loader
    assert datasets.CIFAR10.url == CIFAR10_ARCHIVE
    assert datasets.CIFAR10.url in served_urls("cifar10")


def test_the_served_urls_are_the_installed_keras_origins():
    """Keras builds each origin inside load_data: its source (read, not imported: no TensorFlow)
    names the folder and every file we serve for it."""
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("keras is not installed")
    sources = Path(spec.submodule_search_locations[0]) / "src" / "datasets"
    for dataset, module in (("mnist", "mnist"), ("fashion_mnist", "fashion_mnist"), ("imdb", "imdb"),
                            ("boston_housing", "boston_housing")):
        text = (sources / f"{module}.py").read_text(encoding="utf-8")
        assert KERAS_DATASETS in text, module
        for url in served_urls(dataset):
            if url.startswith(KERAS_DATASETS):
                assert url.removeprefix(KERAS_DATASETS) in text, (module, url)
    assert CIFAR10_ARCHIVE in (sources / "cifar10.py").read_text(encoding="utf-8")


def test_checkpoints_an_instructor_provides_are_served_at_their_torchvision_urls(tmp_path):
    cache = tmp_path / "cache"
    assert served_downloads(["vgg16_imagenet", "blobs2d"], cache) == {}  # none provided; blobs2d has no URL
    folder = get_provider("vgg16_imagenet").public_dir(cache)
    for name in ("vgg16-397923af.pth", "vgg16_bn-6c64b313.pth"):  # its own, and one a notebook asks for
        (folder / name).write_bytes(b"weights")
    (folder / "README.txt").write_text("not a checkpoint")
    assert served_downloads(["vgg16_imagenet"], cache) == {"vgg16_imagenet": {
        f"{TORCH_MODELS}vgg16-397923af.pth": f"{TORCH_CHECKPOINTS}/vgg16-397923af.pth",
        VGG16_BN: f"{TORCH_CHECKPOINTS}/vgg16_bn-6c64b313.pth"}}


def test_a_served_url_gets_the_staged_file_over_http_or_https(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "a.gz").write_bytes(b"staged bytes")
    downloads = Downloads.from_job({"mnist": {"https://host.example/mnist/a.gz": "work/a.gz"}}, str(tmp_path))
    for url in ("https://host.example/mnist/a.gz", "http://HOST.example/mnist/a.gz?x=1"):
        with downloads.open(url) as response:
            assert (response.read(), response.length, response.headers["Content-Length"]) == (b"staged bytes", 12, "12")
            assert (response.status, response.url) == (200, url)
    with pytest.raises(NotProvided):
        downloads.open("https://host.example/mnist/b.gz")


def test_refusals_say_grading_is_offline_and_what_to_use():
    none, some = Downloads(files={}, datasets=()), Downloads(files={}, datasets=("fashion_mnist", "mnist"))
    assert none.refusal(EXAMPLE) == f"{OFFLINE}: {EXAMPLE} is not provided; use the files the assignment's README names"
    assert some.refusal(EXAMPLE) == (
        f"{OFFLINE}: {EXAMPLE} is not provided; use the data this assignment provides: fashion_mnist, mnist (the "
        "usual torchvision and Keras loaders download it offline, into any folder), or the files its README names")
    assert some.refusal(VGG16_BN) == (
        f"{OFFLINE}: {VGG16_BN} is not provided. Pretrained weights are there only when the instructor provides the "
        "checkpoint vgg16_bn-6c64b313.pth (docs/datasets.md, \"Pretrained weights\"); without it, build the model "
        "with weights=None")
    keras_weights = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights.h5"
    assert "Keras's pretrained weights (vgg16_weights.h5) cannot be downloaded while grading" in some.refusal(
        keras_weights)
    assert issubclass(NotProvided, urllib.error.URLError)  # what download code already handles


def test_integrity_checks_accept_the_provisioned_content_wherever_it_lies(tmp_path):
    staged = tmp_path / "home" / "mnist.npz"
    staged.parent.mkdir()
    staged.write_bytes(b"stand-in")
    provisioned = Provisioned({"home/mnist.npz": hashlib.sha256(b"stand-in").hexdigest()}, str(tmp_path))
    copy, tampered, other = tmp_path / "copy", tmp_path / "tampered", tmp_path / "other"
    copy.write_bytes(b"stand-in")
    tampered.write_bytes(b"stand-ix")
    other.write_bytes(b"a different size")
    assert provisioned.accepts(staged) and provisioned.accepts(copy)
    assert not provisioned.accepts(tampered) and not provisioned.accepts(other)
    assert not provisioned.accepts(tmp_path / "missing")


# --- real kernels in real sandboxes -----------------------------------------------------------------

TORCH_CELLS = [
    "import json, os, time, urllib.request\nimport torch, torchvision\n"
    "def report(name, value):\n    print('RESULT', json.dumps([name, value]))",
    "report('relative', len(torchvision.datasets.MNIST(root='./mnist_data/', train=True, download=True)))",
    "report('absolute', len(torchvision.datasets.MNIST(root=os.path.abspath('abs_mnist'), train=False, "
    "download=True)))",
    "report('fashion', len(torchvision.datasets.FashionMNIST(root=os.path.expanduser('~/fashion'), train=False, "
    "download=True)))",
    "try:\n    torchvision.datasets.MNIST(root='/data/mnist', download=True)\n"
    "except OSError as error:\n    report('unwritable', f'{type(error).__name__}: {error}')",
    f"weights = torch.hub.load_state_dict_from_url({RESNET18!r}, model_dir=os.path.abspath('weights'))\n"
    "report('checkpoint', {k: v.tolist() for k, v in weights.items()})",
    "started = time.monotonic()\ntry:\n    urllib.request.urlopen('https://example.com/x.csv')\n"
    "except OSError as error:\n    report('example', [str(error.reason), time.monotonic() - started])",
    "model = torchvision.models.vgg16_bn(pretrained=True)",  # as students write it: the cell fails
]

KERAS_CELLS = [
    "import json, os, time, urllib.request\nimport keras\n"
    "def report(name, value):\n    print('RESULT', json.dumps([name, value]))",
    "(x, y), (x_test, y_test) = keras.datasets.mnist.load_data()\nreport('load_data', [len(x), len(x_test)])",
    f"os.makedirs('keras_cache', exist_ok=True)\npath = keras.utils.get_file('mnist.npz', origin={KERAS_MNIST!r}, "
    f"file_hash={KERAS_MNIST_SHA256!r}, cache_dir=os.path.abspath('keras_cache'))\n"
    "report('get_file', [os.path.relpath(path), len(__import__('numpy').load(path)['x_train'])])",
    "started = time.monotonic()\ntry:\n    urllib.request.urlopen('https://example.com/x.csv')\n"
    "except OSError as error:\n    report('example', [str(error.reason), time.monotonic() - started])",
]


def run_notebook(tmp_path: Path, backend: str, cells: list[str], datasets: list[str]) -> dict:
    """Run cells in a sandbox of `backend` given `datasets`: {report name: value}, and the error
    value of each failed cell (by its source)."""
    from grader.harness.job import HarnessJob
    from grader.sandbox import SandboxRequest, get_sandbox
    from grader.spec.assignment import Resources

    notebook = make_notebook(tmp_path / f"{backend}.ipynb", cells)
    request = SandboxRequest(job=HarnessJob(assignment="offline", threads=1), notebook=notebook,
                             resources=Resources(memory=8 * 1024**3), datasets=datasets)  # room for VGG16
    result = get_sandbox(backend).run(request)
    assert result.executed_notebook, result.log_tail[-2000:]
    executed = nbformat.reads(result.executed_notebook.decode("utf-8"), as_version=4)
    found: dict = {}
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            for line in "".join(output.get("text", "")).splitlines():
                if line.startswith("RESULT "):
                    name, value = json.loads(line.removeprefix("RESULT "))
                    found[name] = value
            if output["output_type"] == "error":
                found[cell["source"]] = output["evalue"]
    return found


@pytest.fixture(scope="module")
def checkpoint_cache(dataset_cache: Path, tmp_path_factory: pytest.TempPathFactory):
    """A cache with a (tiny, made-up) ResNet-18 checkpoint, kept out of the shared one where the labs'
    notebooks would load it; MNIST and Fashion-MNIST are the shared cache's, linked."""
    torch = pytest.importorskip("torch")
    cache = tmp_path_factory.mktemp("offline-cache")
    for name in ("mnist", "fashion_mnist"):
        get_provider(name).ensure(dataset_cache)
        for part in ("public", "hidden"):
            (cache / part).mkdir(mode=0o700, exist_ok=True)
            (cache / part / name).symlink_to(dataset_cache / part / name)
    weights = get_provider("resnet18_imagenet").public_dir(cache)
    weights.mkdir(parents=True)
    torch.save({"fc.bias": torch.arange(3.0)}, weights / "resnet18-f37072fd.pth")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_DATA_DIR", str(cache))
        yield cache


@pytest.fixture(scope="module")
def torch_run(checkpoint_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    pytest.importorskip("torchvision")
    return run_notebook(tmp_path_factory.mktemp("torch"), "namespaces", TORCH_CELLS,
                        ["mnist", "fashion_mnist", "resnet18_imagenet"])


@pytest.mark.slow
def test_torchvision_downloads_mnist_into_any_writable_root(torch_run, dataset_cache):
    train, test = (len(get_provider("mnist").split(dataset_cache, split)[0]) for split in ("train", "test"))
    assert (torch_run["relative"], torch_run["absolute"]) == (train, test)
    assert torch_run["fashion"] == len(get_provider("fashion_mnist").split(dataset_cache, "test")[0])


@pytest.mark.slow
def test_an_unwritable_root_is_the_usual_os_error(torch_run):
    assert torch_run["unwritable"] in ("PermissionError: [Errno 13] Permission denied: '/data'",
                                       "OSError: [Errno 30] Read-only file system: '/data'")


@pytest.mark.slow
def test_a_provided_checkpoint_downloads_into_any_folder(torch_run):
    assert torch_run["checkpoint"] == {"fc.bias": [0.0, 1.0, 2.0]}


@pytest.mark.slow
def test_a_missing_checkpoint_says_the_instructor_can_provide_it(torch_run):
    failed = torch_run[TORCH_CELLS[-1]]
    assert f"{OFFLINE}: {VGG16_BN} is not provided. Pretrained weights are there only when the instructor provides " \
           "the checkpoint vgg16_bn-6c64b313.pth" in failed


@pytest.mark.slow
def test_any_other_download_fails_at_once(torch_run):
    message, seconds = torch_run["example"]
    assert message.startswith(f"{OFFLINE}: {EXAMPLE} is not provided; use the data this assignment provides: "
                              "fashion_mnist, mnist, resnet18_imagenet")
    assert seconds < 1


@pytest.mark.slow
def test_keras_downloads_unisolated(tmp_path, dataset_cache):
    pytest.importorskip("keras")
    found = run_notebook(tmp_path, "unisolated", KERAS_CELLS, ["mnist"])
    x, _ = get_provider("mnist").split(dataset_cache, "train")
    x_test, _ = get_provider("mnist").split(dataset_cache, "test")
    assert found["load_data"] == [len(x), len(x_test)]
    assert found["get_file"] == [str(Path("keras_cache", "datasets", "mnist.npz")), len(x)]
    message, seconds = found["example"]
    assert message.startswith(f"{OFFLINE}: {EXAMPLE} is not provided; use the data this assignment provides: mnist")
    assert seconds < 1
