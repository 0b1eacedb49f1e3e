"""`grader serve`: a small local web page where an instructor enters and reviews the points of
`manual` checks, each beside the student's answer, written to the gradebook (docs/cli.md)."""
