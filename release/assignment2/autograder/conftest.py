# The autograder's fixtures (student, reference, expected, artifacts, rng) and points come from
# gradekit's pytest plugin; see gradekit/autograde/plugin.py.
pytest_plugins = ["gradekit.autograde.plugin"]
