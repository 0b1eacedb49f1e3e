"""airline: the real monthly international airline passenger totals, 1949-1960 (thousands;
Box & Jenkins, "Time Series Analysis", series G; public domain), shipped here as data.

Students get `airline-passengers.csv` (columns Month,Passengers, as the lesson's file) with the
132 months 1949-1959 only; the 12 months of 1960 are held out. A forecaster is evaluated one
step ahead: each input row is the HISTORY months before the month to forecast, the label is that
month. The public split forecasts the 12 months of 1959 (the student has them), the hidden split
the 12 months of 1960 (the student does not).

Unlike the procedural stand-ins, this hidden split is not drawn from a secret seed: it is a
fixed, famous series, so 1960 is public knowledge and a student could type it in. The grader
keeps it out of the sandbox; it cannot keep it out of the student's memory (docs/datasets.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets.base import DatasetProvider
from grader.datasets.files import HOST_ONLY_FILE, npz_bytes, write_atomic

PASSENGERS = (
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118,  # 1949
    115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140,  # 1950
    145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166,  # 1951
    171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194,  # 1952
    196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,  # 1953
    204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229,  # 1954
    242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278,  # 1955
    284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306,  # 1956
    315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336,  # 1957
    340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,  # 1958
    360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405,  # 1959
    417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432,  # 1960
)
FIRST_YEAR = 1949
HELD_OUT = 12    # months of 1960 the student never gets
HISTORY = 120    # months of history in each evaluation row (ten years)
DEST = "work/airline-passengers.csv"
TARGETS = {"test": range(len(PASSENGERS) - 2 * HELD_OUT, len(PASSENGERS) - HELD_OUT),  # 1959
           "hidden": range(len(PASSENGERS) - HELD_OUT, len(PASSENGERS))}                # 1960


def public_csv() -> bytes:
    """The student's file: Month,Passengers for 1949-01 .. 1959-12."""
    rows = ["Month,Passengers"]
    for index, count in enumerate(PASSENGERS[:-HELD_OUT]):
        rows.append(f"{FIRST_YEAR + index // 12}-{index % 12 + 1:02d},{count}")
    return ("\n".join(rows) + "\n").encode()


def windows(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(HISTORY months before each target month (n, HISTORY) float64, the targets (n,))."""
    series = np.asarray(PASSENGERS, dtype=np.float64)
    targets = TARGETS[split]
    inputs = np.stack([series[t - HISTORY:t] for t in targets])
    return inputs, series[list(targets)]


class AirlineProvider(DatasetProvider):
    name = "airline"
    public_file = "airline-passengers.csv"
    public_seeds: dict[str, int] = {}  # nothing is drawn: the series is real

    def generate(self, split: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Evaluation rows of "test" (1959) or "hidden" (1960); the seed is not used (see above)."""
        if split not in TARGETS:
            raise ValueError(f"airline has the splits test and hidden; {split!r} is trained on from the CSV")
        return windows(split)

    def ensure(self, cache: Path) -> None:
        public = self.public_dir(cache) / self.public_file
        if not public.exists():
            write_atomic(public, public_csv())
        self.hidden_dir(cache)
        hidden = self.hidden_path(cache)
        if not hidden.exists():
            x, y = windows("hidden")
            write_atomic(hidden, npz_bytes({"x": x, "y": y}), mode=HOST_ONLY_FILE)

    def split(self, cache: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split == "test":
            return windows(split)
        return super().split(cache, split)

    def sandbox_files(self, cache: Path) -> list[tuple[Path, str]]:
        self.ensure(cache)
        return [(self.public_dir(cache) / self.public_file, DEST)]
