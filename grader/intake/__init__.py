"""Intake of submissions: files, folders and LMS exports, safely unpacked, one per student."""
