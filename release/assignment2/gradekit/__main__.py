"""`python -m gradekit`: the instructor's command; in a release, which ships the student runtime
only (no gradekit/cli.py), the student's: `data` and `submit`."""
try:
    from gradekit.cli import main
except ModuleNotFoundError as exc:
    if exc.name != "gradekit.cli":
        raise
    from gradekit.student_cli import main

raise SystemExit(main())
