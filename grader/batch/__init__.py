"""Grading a whole class: executors that run sandboxes in parallel (threads or a Ray cluster),
the gradebook-backed run that skips, records and resumes, and its progress display."""
