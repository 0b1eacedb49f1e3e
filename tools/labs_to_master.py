"""One-off migration (deleted once every lab is migrated): turn a tools/labs/<lab>.py generator into
assignments/<lab>/master.ipynb + known_wrong.yaml, such that `grader build <lab>` reproduces the
committed starter, reference, known-wrong and example notebooks byte for byte. From the repository
root:

    .venv/bin/python tools/labs_to_master.py nn-basics mnist-mlp

Each starter difference becomes a solution region with its prompt; each known-wrong or example cell
replacement becomes anchored patches found by a line diff against the reference.
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import labkit  # noqa: E402

from grader.authoring.build import build_lab  # noqa: E402
from grader.authoring.errors import CellPlace  # noqa: E402
from grader.authoring.markers import split_code  # noqa: E402


class Captured(Exception):
    pass


def capture(lab: str) -> tuple:
    module = importlib.import_module(f"labs.{lab.replace('-', '_')}")
    seen = {}

    def fake(*args):  # noqa: ANN002, ANN202
        seen["args"] = args
        raise Captured

    module.make_lab = fake
    try:
        module.make()
    except Captured:
        pass
    return module, seen["args"]


def indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def block_indent(lines: list[str], fallback: list[str]) -> str:
    candidates = [indent_of(line) for line in lines if line.strip()] or \
                 [indent_of(line) for line in fallback if line.strip()][:1] or [""]
    return min(candidates, key=len)


def marked(reference: str, starter: str) -> str:
    """The reference cell with each starter difference as a solution region and its prompt."""
    ref, st = reference.split("\n"), starter.split("\n")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, ref, st, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += ref[i1:i2]
            continue
        region, prompt = ref[i1:i2], st[j1:j2]
        ind = block_indent(region, ref[i2:] + ref[:i1][::-1])
        if region:
            out.append(f"{ind}### BEGIN SOLUTION" + ("" if prompt else " NO PROMPT"))
            out += region
            out.append(f"{ind}### END SOLUTION")
        if prompt:
            quote = "'''" if any('"""' in line for line in prompt) else '"""'
            assert not any(quote in line for line in prompt), prompt
            out.append(f"{ind}{quote} # BEGIN PROMPT")
            out += prompt
            out.append(f"{ind}{quote} # END PROMPT")
    source = "\n".join(out)
    split = split_code(source, CellPlace(Path("master"), "x", 0))
    assert "\n".join(split.reference) == reference and "\n".join(split.student) == starter, source
    return source


def anchored(original: str, target: str) -> list[dict]:
    """Patches (replace -> with) turning original into target, each anchor unique when applied."""
    cur = original.split("\n")
    new = target.split("\n")
    patches = []
    offset = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, cur, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        a, b = i1 + offset, i2 + offset
        replacement = new[j1:j2]
        lo, hi = a, b
        text = "\n".join(cur)
        while True:
            anchor = "\n".join(cur[lo:hi])
            deletion_without_context = not replacement and lo == a and hi == b
            if hi > lo and anchor.strip() and not deletion_without_context and text.count(anchor) == 1:
                break
            if hi < len(cur) and (hi - b <= a - lo or lo == 0):
                hi += 1
            elif lo > 0:
                lo -= 1
            else:
                raise AssertionError(f"no unique anchor for {cur[a:b]}")
        with_lines = cur[lo:a] + replacement + cur[b:hi]
        patches.append({"replace": "\n".join(cur[lo:hi]), "with": "\n".join(with_lines)})
        cur = cur[:lo] + with_lines + cur[hi:]
        offset += len(replacement) - (i2 - i1)
    assert "\n".join(cur) == target
    return patches


def cell_patches(reference: dict[str, str], replace: dict[str, str]) -> list[dict]:
    patches = []
    for name, source in replace.items():
        if source == "":
            patches.append({"cell": name, "drop": True})
            continue
        for patch in anchored(reference[name], source):
            patches.append({"cell": name, **patch})
    return patches


def comments_before(module_source: str, name: str) -> str | None:
    lines = module_source.split("\n")
    for index, line in enumerate(lines):
        if re.match(rf'^\s*"{re.escape(name)}":', line):
            found = []
            k = index - 1
            while k >= 0 and lines[k].strip().startswith("#"):
                found.insert(0, lines[k].strip().lstrip("#").strip())
                k -= 1
            return " ".join(found) or None
    return None


def _block(dumper: yaml.Dumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow_list(dumper: yaml.Dumper, value: list) -> yaml.Node:
    flow = all(isinstance(item, str) and "\n" not in item for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def convert(lab: str) -> None:
    module, (lab_id, reference, starter, known_wrong, examples) = capture(lab)
    assert lab_id == lab
    module_source = Path(module.__file__).read_text()
    cells = []
    ref_sources = {name: source for name, _, source in reference}
    for name, kind, source in reference:
        changed = name in starter and starter[name] != source
        if kind == "md":
            if changed:
                cells.append(new_markdown_cell(source, metadata={"tags": ["solution"]}, id=name))
                cells.append(new_markdown_cell(starter[name], metadata={"tags": ["prompt"]}, id=f"{name}-prompt"))
            else:
                cells.append(new_markdown_cell(source, id=name))
            continue
        metadata = {"tags": ["parameters"]} if kind == "params" else {}
        cells.append(new_code_cell(marked(source, starter[name]) if changed else source, metadata=metadata, id=name))
    master = new_notebook(cells=cells, metadata=dict(labkit.KERNEL))
    folder = ROOT / "assignments" / lab
    nbformat.write(master, str(folder / "master.ipynb"))

    declared: dict = {"known_wrong": {}, "examples": {}}
    for name, (failing, replace) in known_wrong.items():
        declared["known_wrong"][name] = {"why": comments_before(module_source, name) or name.replace("_", " "),
                                         "loses": list(failing), "patches": cell_patches(ref_sources, replace)}
    for name, replace in examples.items():
        entry: dict = {}
        why = comments_before(module_source, name)
        if why:
            entry["why"] = why
        replace = dict(replace or {})
        best = None
        for kw_name, (_, kw_replace) in known_wrong.items():
            if kw_replace and all(replace.get(k) == v for k, v in kw_replace.items()) and \
                    (best is None or len(kw_replace) > len(known_wrong[best][1])):
                best = kw_name
        if best is not None:
            entry["from"] = best
            replace = {k: v for k, v in replace.items() if k not in known_wrong[best][1]}
        if replace:
            entry["patches"] = cell_patches(ref_sources, replace)
        declared["examples"][name] = entry
    if not declared["examples"]:
        del declared["examples"]
    yaml.add_representer(str, _block)
    yaml.add_representer(list, _flow_list)
    header = (f"# Known-wrong notebooks of {lab} (each must lose exactly the checks under `loses`) and the sample\n"
              "# submissions in examples/: patches of the reference. `grader build` writes them; docs/authoring.md.\n")
    text = header + yaml.dump(declared, sort_keys=False, allow_unicode=True, width=100)
    assert yaml.safe_load(text) == declared
    (folder / "known_wrong.yaml").write_text(text, encoding="utf-8")

    built = build_lab(ROOT, lab)
    problems = built.differences()
    print(f"{lab}: {len(built.files)} files, " + ("identical" if not problems else "\n  " + "\n  ".join(problems)))


if __name__ == "__main__":
    for name in sys.argv[1:]:
        convert(name)
