"""The instructor's tools around the course: the release (regions stubbed, nbgrader), the reference
submission, the public checks' expected values, example submissions and generated classes, and
the release's GitHub Classroom files."""
