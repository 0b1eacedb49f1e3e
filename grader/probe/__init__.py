"""Code that runs inside the student's kernel. Imports nothing heavy; reports only JSON."""
