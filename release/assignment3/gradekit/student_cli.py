"""`python -m gradekit` in a student's release: `data` fetches a dataset, `submit` writes the zip to hand in.

The instructor's `gradekit` command (gradekit/cli.py) offers both as well, from here; a release
ships the student runtime only, so there this is the whole command."""
import argparse
import configparser
import sys

from gradekit.data import DataError, datasets

COMMANDS = ("data", "submit")


def add_commands(commands):
    """Add `data` and `submit` to an argparse subparsers object."""
    data = commands.add_parser("data", help="download or import a dataset, then verify it")
    data.add_argument("dataset", choices=datasets.names())
    data.add_argument("--from", dest="source", help="a local archive or extracted folder instead of downloading")
    data.add_argument("--dest", help="folder to put the dataset in (default: in a release folder, where its "
                      "checks look, e.g. cs231n/datasets; elsewhere data)")

    submit = commands.add_parser("submit", help="write the zip to hand in: notebooks and code, no datasets")
    submit.add_argument("folder", nargs="?", default=".", help="the assignment's folder (default: this one)")
    submit.add_argument("--dest", help="the zip to write (default: FOLDER/<folder name>.zip)")


def run(args):
    """Run a command of COMMANDS; returns the exit status."""
    return {"data": cmd_data, "submit": cmd_submit}[args.command](args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gradekit", description=__doc__.splitlines()[0])
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


def default_data_dir(folder="."):
    """Where the public checks look for the datasets: the `gradekit_data_dir` of the release's
    pytest.ini in `folder`, else `data` (the instructor's checkout)."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(f"{folder}/pytest.ini")
    return ini.get("pytest", "gradekit_data_dir", fallback="") or "data"


def cmd_data(args):
    try:
        datasets.fetcher(args.dataset)(args.dest or default_data_dir(), args.source)
    except DataError as exc:
        print(f"gradekit data: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_submit(args):
    from gradekit import submit

    try:
        dest, chosen = submit.write(args.folder, args.dest)
    except (submit.SubmitError, OSError) as exc:
        print(f"gradekit submit: {exc}", file=sys.stderr)
        return 1
    print(submit.summary(dest, chosen))
    return 0
