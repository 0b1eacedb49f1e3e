"""Describing VGG16 and running its architecture checks: the probe's side (a forward pass with
hooks, the description written as JSON) and the host's (parsing, validating, judging, the
feedback table), for torchvision's and keras.applications' VGG16 with random weights.

    .venv/bin/python benchmarks/introspection.py [--runs 5] [--size 224] [--threads 2] [--no-keras]

Prints a Markdown table for docs/architecture-checks.md. Building the model (random initialisation
of 138 M weights) is the notebook's cost, not the grader's, and is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from grader.architecture.description import ModelDescription
from grader.architecture.feedback_table import architecture_details
from grader.checks.architecture import ArchitectureParams, verdict_for
from grader.probe.introspect import describe_model, tamper

RULES = {"expect": [{"backbone": {"name": "vgg16"}}, {"frozen": "all_but_last"}, {"output_units": 10},
                    {"parameters": {"trainable": {"max": 50000}}}]}


def torchvision_vgg16():
    import torchvision
    from torch import nn

    model = torchvision.models.vgg16(weights=None)
    for parameter in model.parameters():
        parameter.requires_grad = False
    model.classifier[6] = nn.Linear(4096, 10)
    return model


def keras_vgg16(size: int):
    import keras

    base = keras.applications.VGG16(weights=None, input_shape=(size, size, 3))
    for layer in base.layers:
        layer.trainable = False
    head = keras.layers.Dense(10, activation="softmax")(base.layers[-2].output)
    return keras.Model(base.input, head)


def one_run(model, shape: list[int] | None) -> tuple[float, float, int]:
    """(probe seconds, host seconds, description bytes) for one describe-and-check."""
    started = time.perf_counter()
    text = json.dumps(describe_model(model, namespace={}, inputs=[{"shape": shape}] if shape else None), allow_nan=False)
    probed = time.perf_counter()
    description = ModelDescription.model_validate(json.loads(text))
    params = ArchitectureParams.model_validate(RULES)
    verdicts = [verdict_for(item, description) for item in params.expect]
    architecture_details(description, marked=[s for v in verdicts for s in v.marked])
    assert all(v.passed for v in verdicts), [v for v in verdicts if not v.passed]
    return probed - started, time.perf_counter() - probed, len(text)


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure(name: str, model, shape: list[int] | None, bare, runs: int) -> str:
    """bare: the same forward pass without the grader, run alternately so load hits both alike."""
    one_run(model, shape), bare()  # warm-up: first-call allocations, lazy imports
    results, floor = [], []
    for _ in range(runs):
        results.append(one_run(model, shape))
        floor.append(timed(bare))
    total = [probe + host for probe, host, _ in results]
    return (f"| {name} | {statistics.median(floor):.2f} | {statistics.median(r[0] for r in results):.2f} | "
            f"{statistics.median(r[1] for r in results) * 1000:.0f} ms | {statistics.median(total):.2f} | "
            f"{max(total):.2f} | {results[0][2] / 1024:.0f} KiB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads, as the sandbox's resources.cpus")
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import torch

    torch.set_num_threads(args.threads)
    tamper.guard_frameworks()  # as the preamble does once the notebook's framework is imported
    vgg = torchvision_vgg16()
    image = torch.randn(1, 3, args.size, args.size)

    def bare_torch() -> None:
        with torch.no_grad():
            vgg(image)

    rows = [measure(f"torchvision VGG16, {args.size}x{args.size}", vgg, [3, args.size, args.size], bare_torch, args.runs)]
    if not args.no_keras:
        import keras  # imported before the guard, as the preamble does
        import numpy as np

        tamper.guard_frameworks()
        model = keras_vgg16(args.size)
        batch = keras.ops.convert_to_tensor(np.zeros((1, args.size, args.size, 3), "float32"))
        rows.append(measure(f"keras.applications VGG16, {args.size}x{args.size}", model, None,
                            lambda: model(batch, training=False), args.runs))
    print(f"{platform.machine()}, {os.cpu_count()} cores, {args.threads} threads, Python {platform.python_version()}, "
          f"torch {torch.__version__}, {args.runs} runs")
    print("| model | bare forward s | probe s | host | total s (median) | total s (max) | description |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
