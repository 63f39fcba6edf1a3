# nbgrader's configuration for this course. `gradekit release` runs nbgrader's own
# generate_assignment with this file (in a scratch course folder), so what is set here applies.
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "gradekit-cs231n"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# What a solution cell becomes in the student's notebook.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Student notebooks start clean: no outputs, no hidden tests.
c.ClearOutput.enabled = True
c.ClearHiddenTests.enabled = True

# The release holds notebooks only here; gradekit adds the package, the public checks and the
# runtime itself (solution regions in .py files are stubbed by gradekit, not nbgrader).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "artifacts"]
