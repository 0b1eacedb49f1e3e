"""grader: autograding for deep-learning course labs."""

__version__ = "0.1.0"


def load_ipython_extension(ipython):  # noqa: ANN001, ANN201 - IPython's hook
    """`%load_ext grader`: the %grader_check magic (grader/jupyter.py), imported only then."""
    from grader.jupyter import load_ipython_extension as load

    load(ipython)
