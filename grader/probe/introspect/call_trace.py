"""Recording a forward pass as layer calls, the same way for every framework.

A framework tells the trace when a layer object is entered and left (PyTorch: global module
hooks; Keras: a wrapped `Layer.__call__`). Layers the vocabulary names are recorded as one step
each and sealed (their internals are not steps); open objects (models, blocks, a student's class)
are walked into, and one that ran no named step is itself recorded as a custom layer. Tensors are
followed by identity (weak references, so nothing is kept alive) to give each step its inputs."""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from grader.probe.introspect.plain import shape_of
from grader.probe.introspect.record import counts, layer_entry, module_entry

MAX_LAYERS = 5000

Classified = tuple[str, dict] | None


@dataclass(frozen=True)
class Framework:
    """What the generic trace needs to know about one framework's layer objects."""

    classify: Callable[[Any], Classified]                 # (kind, settings); ("container", {}); None: open
    children: Callable[[Any], list[tuple[str, Any]]]      # registered sub-layers, by name
    parameter_counts: Callable[[Any, bool], dict]         # (layer, recurse) -> {"total", "trainable"}
    tensors: Callable[[Any], Iterator[Any]]               # tensors inside a value (args, outputs)
    library: tuple[str, ...]                              # module prefixes that are not the student's
    separator: str                                        # between path parts: "." or "/"

    def open_kind(self, layer: Any) -> str:
        return "other" if type(layer).__module__.startswith(self.library) else "custom"


@dataclass
class _Frame:
    layer: Any
    path: str
    known: Classified
    first_step: int
    sealed: bool

    @property
    def is_layer(self) -> bool:
        return self.known is not None and self.known[0] != "container"


class CallTrace:
    def __init__(self, framework: Framework, paths: dict[int, str]) -> None:
        self.framework = framework
        self.paths = paths
        self.layers: list[dict] = []
        self.outputs: list[int] = []
        self.stack: list[_Frame] = []
        self.calls: Counter[int] = Counter()
        self.unregistered: dict[int, tuple[str, Any]] = {}
        self.truncated = False
        self._producers: dict[int, tuple[weakref.ref, tuple[int, ...]]] = {}

    # tensors -> the steps that produced them
    def produce(self, tensor: Any, producers: tuple[int, ...]) -> None:
        try:
            self._producers[id(tensor)] = (weakref.ref(tensor), producers)
        except TypeError:  # a type without weak references: cannot be followed safely
            pass

    def producers_of(self, tensor: Any) -> tuple[int, ...] | None:
        entry = self._producers.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def sources(self, value: Any) -> list[int]:
        return sorted({p for t in self.framework.tensors(value) for p in self.producers_of(t) or ()})

    @property
    def inside_layer(self) -> bool:
        """Whether the innermost running object is a named layer (or inside one)."""
        return bool(self.stack) and (self.stack[-1].sealed or self.stack[-1].is_layer)

    @property
    def current_path(self) -> str:
        return self.stack[-1].path if self.stack else ""

    def _path_of(self, layer: Any) -> str:
        if id(layer) in self.paths:
            return self.paths[id(layer)]
        if id(layer) not in self.unregistered:
            name = f"<unregistered {type(layer).__name__} {len(self.unregistered) + 1}>"
            self.unregistered[id(layer)] = (name, layer)
        return self.unregistered[id(layer)][0]

    # layer objects
    def enter(self, layer: Any, *, training: bool | None = None) -> None:
        """training: the flag the layer runs with, when the framework knows it; recorded for
        dropout, which never drops anything when it runs with training=False."""
        sealed = self.inside_layer
        known = None if sealed else self.framework.classify(layer)
        if known is not None and known[0] == "dropout" and training is not None:
            known = (known[0], {**known[1], "training": training})
        self.stack.append(_Frame(layer, self._path_of(layer), known, len(self.layers), sealed))

    def leave(self, layer: Any, inputs: Any, output: Any) -> None:
        if not self.stack or self.stack[-1].layer is not layer:
            return
        frame = self.stack.pop()
        self.calls[id(layer)] += 1
        if frame.sealed or (frame.known is not None and not frame.is_layer):
            return
        if frame.is_layer:
            kind, settings = frame.known  # type: ignore[misc]
        elif len(self.layers) == frame.first_step:  # an open object that ran no named step
            kind, settings = self.framework.open_kind(layer), {}
        else:
            return  # a block: its inner steps are already recorded
        self.record(path=frame.path, op=type(layer).__name__, kind=kind, source="module", settings=settings,
                    params=self.framework.parameter_counts(layer, True), inputs=inputs, output=output,
                    call=self.calls[id(layer)], registered=id(layer) in self.paths)

    def record(self, *, path: str, op: str, kind: str, source: str, settings: dict, params: dict | None,
               inputs: Any, output: Any, call: int, registered: bool = True) -> None:
        if len(self.layers) >= MAX_LAYERS:
            self.truncated = True
            return
        index = len(self.layers)
        in_tensors = list(self.framework.tensors(inputs))
        out_tensors = list(self.framework.tensors(output))
        self.layers.append(layer_entry(
            index=index, path=path, op=op, kind=kind, source=source, settings=settings, params=params,
            input_shapes=[shape_of(t) for t in in_tensors],
            output_shape=shape_of(out_tensors[0]) if out_tensors else None,
            inputs=self.sources(in_tensors), call=call, registered=registered))
        for tensor in out_tensors:
            self.produce(tensor, (index,))


def default_batch(layers: Iterable[Any], framework: Framework, mode: str) -> int:
    """Examples per forward pass: 1 (cheapest), or 2 when BatchNorm trains, which needs more than
    one value per channel."""
    trains_batchnorm = mode == "train" and any((framework.classify(layer) or ("",))[0] == "batchnorm"
                                               for layer in layers)
    return 2 if trains_batchnorm else 1


def registered_paths(root: Any, framework: Framework) -> dict[int, str]:
    """id(layer object) -> its path from the root ("" for the root); the first path wins for a
    layer registered twice (a shared layer)."""
    paths: dict[int, str] = {}

    def walk(layer: Any, path: str) -> None:
        if id(layer) in paths:
            return
        paths[id(layer)] = path
        for name, child in framework.children(layer):
            walk(child, f"{path}{framework.separator}{name}" if path else name)

    walk(root, "")
    return paths


def layer_table(root: Any, framework: Framework, trace: CallTrace | None) -> list[dict]:
    """Every layer object the model holds, whether it ran or not, then every one that ran
    without being registered (held in a plain list, a global, a closure)."""
    calls = trace.calls if trace else Counter()
    table: list[dict] = []
    seen: set[int] = set()

    def walk(layer: Any, path: str) -> None:
        if id(layer) in seen:
            return
        seen.add(id(layer))
        known = framework.classify(layer)
        children = framework.children(layer)
        if known is not None and known[0] != "container" or (known is None and not children):
            kind, settings = known or (framework.open_kind(layer), {})
            table.append(module_entry(path=path, op=type(layer).__name__, kind=kind, settings=settings,
                                      params=framework.parameter_counts(layer, True), calls=calls[id(layer)]))
            return
        own = framework.parameter_counts(layer, False)
        if own["total"]:
            table.append(module_entry(path=path, op=type(layer).__name__, kind="custom",
                                      settings={"own_parameters": True}, params=own, calls=calls[id(layer)]))
        for name, child in children:
            walk(child, f"{path}{framework.separator}{name}" if path else name)

    walk(root, "")
    for path, layer in (trace.unregistered.values() if trace else ()):
        known = framework.classify(layer)
        kind, settings = known if known is not None and known[0] != "container" else (framework.open_kind(layer), {})
        table.append(module_entry(path=path, op=type(layer).__name__, kind=kind, settings=settings,
                                  params=framework.parameter_counts(layer, True), calls=calls[id(layer)],
                                  registered=False))
    return table


def total_counts(sizes: Iterable[tuple[int, bool]]) -> dict[str, int]:
    """{"total", "trainable"} from (size, trainable) pairs."""
    pairs = list(sizes)
    return counts(sum(size for size, _ in pairs), sum(size for size, trainable in pairs if trainable))
