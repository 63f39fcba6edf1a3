"""Graded results in the formats of the systems a course already runs: Gradescope, Canvas, nbgrader
(and the Gradescope autograder bundle). Each format is a module with `add_arguments(parser)` and
`run(args)`, registered in `gradekit.cli.exporters`; each reads the results on disk
(`gradekit.pipeline.report.load_results`), never what a notebook printed."""
