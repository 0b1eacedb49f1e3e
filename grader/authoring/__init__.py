"""Authoring: a lab's master source (the reference solution with solution markers) and its
declared known-wrong patches become the starter, the reference, the known-wrong notebooks and the
sample submissions (`grader build`); `grader new` scaffolds a lab that builds and validates.

Modules: `master` reads the master source, `markers` splits a cell into its student and reference
forms, `patches` reads known_wrong.yaml and applies its patches, `build` makes and writes every
notebook, `scaffold` writes a new lab."""
