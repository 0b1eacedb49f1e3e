"""Runs inside the sandbox: execute the submission with nbclient, then probe it."""
