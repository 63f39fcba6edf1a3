"""Stage 1: a submission (folder or zip) becomes a clean scratch copy of the assignment folder."""
import os
import shutil
import zipfile

# Never copied from a submission: data, caches and whatever the student's own runs produced.
IGNORED = ("cifar-10-batches-py", "coco_captioning", "__pycache__", ".ipynb_checkpoints", ".git", "artifacts",
           "*.tar.gz", "*.pyc")
MAX_ZIP_BYTES = 500 * 1024 * 1024


class SubmissionError(Exception):
    """The submission cannot be graded at all (unreadable zip, nothing of the assignment)."""


def student_id(path):
    """The submission's folder or zip name, as the gradebook's student_id."""
    name = os.path.basename(os.path.normpath(path))
    return name[:-4] if name.lower().endswith(".zip") else name


def unpack(path, scratch, assignment):
    """Copy the submission into `scratch` and return the folder holding the assignment."""
    if os.path.isdir(path):
        shutil.copytree(path, scratch, ignore=shutil.ignore_patterns(*IGNORED))
    elif zipfile.is_zipfile(path):
        extract_zip(path, scratch)
    elif os.path.exists(path):
        raise SubmissionError(f"{os.path.basename(path)} is neither a folder nor a zip file")
    else:
        raise SubmissionError(f"{path} does not exist")
    return find_root(scratch, assignment)


def extract_zip(path, scratch):
    """Extract safely: no absolute paths or '..', bounded size, ignored names skipped."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{os.path.basename(path)} unpacks to more than "
                                      f"{MAX_ZIP_BYTES >> 20} MiB")
            for member in members:
                parts = member.filename.replace("\\", "/").split("/")
                if member.filename.startswith("/") or ".." in parts:
                    raise SubmissionError(f"{os.path.basename(path)}: unsafe path {member.filename!r}")
                if any(ignored(part) for part in parts):
                    continue
                archive.extract(member, scratch)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{os.path.basename(path)} is not a readable zip file: {exc}") from None


def ignored(name):
    import fnmatch

    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED)


def find_root(scratch, assignment):
    """The folder (the top or one level down) that holds the assignment's notebooks or package."""
    candidates = [scratch] + sorted(
        os.path.join(scratch, d) for d in os.listdir(scratch)
        if os.path.isdir(os.path.join(scratch, d)) and not d.startswith(("__MACOSX", ".")))
    for folder in candidates:
        names = set(os.listdir(folder))
        if assignment.package in names or any(f"{nb}.ipynb" in names for nb in assignment.notebooks):
            return folder
    raise SubmissionError(f"no {assignment.name} notebooks and no {assignment.package}/ package found "
                          "in the submission")
