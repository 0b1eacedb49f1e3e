"""Copied work across a class: code fingerprints that survive renaming and reformatting, and the
agreement of students' recorded predictions beyond what their accuracies explain (docs/similarity.md)."""

# The code score from which a pair is flagged; here, so that `grader similarity --help` imports no numpy.
DEFAULT_THRESHOLD = 0.3
