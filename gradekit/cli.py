"""The `gradekit` command: data, submit, release, reference, examples, class, grade, report, export, gradescope-bundle."""
import argparse
import os
import sys

from gradekit import student_cli
from gradekit.data import datasets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gradekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    student_cli.add_commands(commands)  # data, submit

    release = commands.add_parser("release", help="generate release/ASSIGNMENT for students")
    release.add_argument("assignment")
    release.add_argument("--dest", help="write somewhere else than release/ASSIGNMENT")

    reference = commands.add_parser("reference", help="write the reference solution as a submission")
    reference.add_argument("assignment")
    reference.add_argument("dest")

    examples = commands.add_parser("examples", help="write example submissions (reference, untouched, partly wrong)")
    examples.add_argument("assignment")
    examples.add_argument("dest")

    klass = commands.add_parser("class", help="write a deterministic class of submissions and their expected scores")
    klass.add_argument("assignment")
    klass.add_argument("dest")
    klass.add_argument("--size", type=int, default=30, help="submissions to write (default 30)")
    klass.add_argument("--seed", type=int, default=0, help="the same size and seed write the same class (default 0)")

    grade = commands.add_parser("grade", help="grade submissions (folders or zips)")
    grade.add_argument("assignment")
    grade.add_argument("submissions", nargs="+")
    grade.add_argument("--out", required=True, help="output folder: results, notebooks, gradebook.csv")
    grade.add_argument("--data-dir", default="data", help="folder holding the datasets (gradekit data --dest)")
    grade.add_argument("--cell-timeout", type=float, default=600, help="seconds per notebook cell")
    grade.add_argument("--call-timeout", type=float, default=120, help="seconds per student function call")
    grade.add_argument("--seed", type=int, default=231, help="the notebooks' seed parameter")
    grade.add_argument("--grading-seed", type=int, help="seed of the hidden checks' inputs (default: random)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (Dask local cluster)")
    grade.add_argument("--scheduler", help="address of a Dask scheduler to grade across machines")
    grade.add_argument("--threads", type=int, help="BLAS threads per submission (default: cores / jobs), "
                       "shared by the notebooks it runs at once")
    grade.add_argument("--notebooks-at-once", type=int, metavar="N",
                       help="a submission's notebooks executed side by side, each in a sandbox of its own "
                       "(default: one per core of the submission's share)")
    grade.add_argument("--reuse-executions", metavar="DIR", nargs="?", const="",
                       help="keep executed notebooks in DIR (without DIR: the store in your cache, "
                            "~/.cache/gradekit/executions) and reuse them when nothing they depend on changed")
    grade.add_argument("--notebooks", help="grade only these notebooks, comma-separated (e.g. knn,svm)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code without the sandbox (a submission can then forge grades; "
                            "each result records it)")
    grade.add_argument("--memory-limit", type=int, default=6144, help="MB of memory per sandbox (default 6144)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar or failure list")
    grade.add_argument("--roster", metavar="CSV",
                       help="name gradebook rows by the student's SIS Login ID in this roster (its columns: "
                       "`gradekit export canvas --help`), the submission's name in a `submission` column; a "
                       "submission not in the roster is listed in one line and still graded, its row keeping "
                       "the submission's name (the exit status does not change)")
    grade.add_argument("--nbgrader-db", metavar="URL",
                       help="nbgrader database (filled by `gradekit export nbgrader`, same --roster): its manual "
                       "points go into gradebook.csv, a `<notebook> (manual)` column each, and raw_score, score "
                       "and max_score count them")

    grade.add_argument("--feedback", type=feedback_option, default="hidden=summary", metavar="hidden=MODE",
                       help="what each DIR/<student>/feedback.html shows of hidden checks: hidden=summary (default: "
                       "name, points, measured values, never their inputs or reference values), hidden=full, "
                       "hidden=none (not listed; their points count in the totals)")

    rebuild = commands.add_parser("report", help="rebuild DIR/report.html and every feedback.html from the results")
    rebuild.add_argument("assignment")
    rebuild.add_argument("dir", help="a folder `gradekit grade --out` wrote")
    rebuild.add_argument("--feedback", type=feedback_option, default="hidden=summary", metavar="hidden=MODE",
                         help="hidden=summary|full|none, as for gradekit grade (default summary)")

    export = commands.add_parser("export", help="write graded results in the format of a course's system")
    formats = export.add_subparsers(dest="format", required=True)
    for name, module in exporters().items():
        module.add_arguments(formats.add_parser(name, help=module.__doc__.splitlines()[0]))

    from gradekit.export import gradescope_bundle

    bundle = commands.add_parser("gradescope-bundle", help=gradescope_bundle.__doc__.splitlines()[0])
    gradescope_bundle.add_arguments(bundle)

    args = parser.parse_args(argv)
    if args.command in student_cli.COMMANDS:
        return student_cli.run(args)
    return globals()["cmd_" + args.command.replace("-", "_")](args)


def exporters():
    """{format name: its module}: each has `add_arguments(parser)` and `run(args) -> exit status`."""
    from gradekit.export import canvas, gradescope, nbgrader

    return {"gradescope": gradescope, "canvas": canvas, "nbgrader": nbgrader}


def cmd_export(args):
    return exporters()[args.format].run(args)


def cmd_gradescope_bundle(args):
    from gradekit.export import gradescope_bundle

    return gradescope_bundle.run(args)


def cmd_release(args):
    from gradekit import course
    from gradekit.authoring import release

    print(f"released {release.build(course.load(args.assignment), args.dest)}")
    return 0


def cmd_reference(args):
    from gradekit import course
    from gradekit.authoring import reference

    print(f"reference submission written to {reference.write(course.load(args.assignment), args.dest)}")
    return 0


def cmd_examples(args):
    from gradekit import course
    from gradekit.authoring import examples

    for path in examples.write(course.load(args.assignment), args.dest):
        print(path)
    return 0


def cmd_class(args):
    from gradekit import course
    from gradekit.authoring import class_generator
    from gradekit.pipeline import check

    assignment = course.load(args.assignment)
    try:
        entries = class_generator.write(assignment, args.dest, args.size, args.seed, check.manifest(assignment))
    except ValueError as exc:
        print(f"gradekit class: {exc}", file=sys.stderr)
        return 1
    for entry in entries:
        recipe = ", ".join(entry["bugs"] + [f"{n} missing" for n in entry["missing"]]
                           + [f"{n} failing" for n in entry["failing"]]) or entry["kind"]
        print(f"{entry['student_id']}: {entry['score']:g}/{entry['max_score']:g} expected ({recipe})")
    print(f"{len(entries)} submissions and their expected scores: {os.path.join(args.dest, 'expected.json')}")
    return 0


def cmd_grade(args):
    from gradekit import course, sandbox
    from gradekit.pipeline import grade, report

    assignment = course.load(args.assignment)
    paths, refused = submissions_to_grade(args.submissions)
    if not paths:
        return 1
    for name in datasets.missing(args.data_dir, assignment.data):
        print(f"gradekit grade: no {datasets.FOLDERS[name]} in {args.data_dir}: "
              f"run `gradekit data {name} --dest {args.data_dir}`", file=sys.stderr)
        return 1
    try:
        extras = gradebook_extras(args.roster, args.nbgrader_db, assignment.name)
    except ValueError as exc:
        print(f"gradekit grade: {exc}", file=sys.stderr)
        return 1
    options = grade.Options(assignment, os.path.abspath(args.out), os.path.abspath(args.data_dir),
                            args.cell_timeout, args.call_timeout, args.seed, args.grading_seed,
                            threads=args.threads, reuse_dir=reuse_folder(args.reuse_executions), sandbox=not args.no_sandbox,
                            limits=sandbox.Limits(memory_mb=args.memory_limit), notebooks_at_once=args.notebooks_at_once,
                            notebooks=tuple(args.notebooks.split(",")) if args.notebooks else None,
                            gradebook_extras=extras, feedback_hidden=args.feedback)
    try:
        graded = options.graded()
        results = grade.grade_all(paths, options, jobs=args.jobs, scheduler=args.scheduler,
                                  progress=not args.quiet)
    except (ValueError, sandbox.SandboxError) as exc:
        print(f"gradekit grade: {exc}", file=sys.stderr)
        return 1
    if args.no_sandbox:
        print("gradekit grade: graded WITHOUT a sandbox (--no-sandbox): student code could read and write "
              "what this user can", file=sys.stderr)
    print(report.score_table(results, graded.notebooks))
    if not args.quiet:
        for result in results:
            lines = report.failures(result, limit=8)
            if lines or result.get("error"):
                print(f"\n{result['student_id']}: {result.get('error') or ''}")
                print("\n".join(lines))
    for name in extras.roster.unmatched([r["student_id"] for r in results]) if extras.roster else []:
        print(f"gradekit grade: {name}: not in the roster {args.roster}: its gradebook row keeps the "
              "submission's name", file=sys.stderr)
    print(f"\ngradebook: {os.path.join(args.out, 'gradebook.csv')}")
    print_pages(args.out)
    return exit_status(results, refused)


def feedback_option(text):
    """`--feedback hidden=MODE` as MODE, one of disclosure.HIDDEN_MODES (argparse reports a bad one)."""
    from gradekit import disclosure

    try:
        return disclosure.option_mode(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_pages(out):
    """Where the class report and the students' feedback pages are."""
    print(f"report: {os.path.join(out, 'report.html')}")
    print(f"feedback: {os.path.join(out, '<student_id>', 'feedback.html')}")


def reuse_folder(given):
    """The execution store `--reuse-executions` names: None without the option, the user's cache
    store when it is given without a folder."""
    from gradekit.pipeline import reuse

    return reuse.default_folder() if given == "" else given


def cmd_report(args):
    from gradekit import course
    from gradekit.pipeline import class_report, feedback, report

    assignment = course.load(args.assignment)
    results = report.load_results(args.dir)
    if not results:
        print(f"gradekit report: {args.dir} holds no results (no {args.dir}/*/result.json)", file=sys.stderr)
        return 1
    for result in results:
        feedback.write_feedback(args.dir, result, args.feedback)
    class_report.write_report(args.dir, assignment.notebooks)
    print(f"{len(results)} feedback pages rebuilt (hidden={args.feedback})")
    print_pages(args.dir)
    return 0


def gradebook_extras(roster_path, db_url, assignment):
    """report.Extras from --roster and --nbgrader-db, read once before grading; ValueError in one line."""
    from gradekit.pipeline import report
    from gradekit.export import nbgrader, roster

    manual, possible = nbgrader.manual_scores(db_url, assignment) if db_url else (None, {})
    return report.Extras(roster=roster.load(roster_path) if roster_path else None, manual=manual,
                         manual_max=possible)


def submissions_to_grade(paths):
    """(the paths to grade, {refused path: reason}); each refused one (it does not exist or cannot
    be read, its name is not a safe student_id, or it is a second submission of one student_id) is
    reported in one line and gets no row."""
    from gradekit.pipeline import grade

    ids, refused = grade.student_ids(paths)
    for message in refused.values():
        print(f"gradekit grade: {message}", file=sys.stderr)
    return list(ids), refused


def exit_status(results, refused):
    """1 if a submission was refused or could not be graded (status `failed`), else 0."""
    if refused:
        print(f"gradekit grade: {len(refused)} submission(s) not graded, listed above", file=sys.stderr)
    return 1 if refused or any(r.get("status") == "failed" for r in results) else 0
