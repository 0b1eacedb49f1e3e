"""grader: autograding for deep-learning course labs."""

__version__ = "0.1.0"
