"""The learner's ``kata`` command: the course view, running, watching, hints, resets, authoring checks."""
