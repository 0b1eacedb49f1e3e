"""Rendering results for people: HTML feedback and terminal tables."""
