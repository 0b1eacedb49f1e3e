"""A course's gradebook: who submitted what, and the grade each submission earned."""
