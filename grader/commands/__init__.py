"""Click commands kept out of grader/cli.py; the CLI registers them with main.add_command."""
