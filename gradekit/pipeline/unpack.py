"""Stage 1: a submission (folder or zip) becomes a clean scratch copy of the assignment folder.

Submissions come from students and are not trusted. Their name becomes a student_id, a folder of
the output folder: it is refused unless it is a plain name (`student_id`). Their content is copied
without following links (a link to /dev/zero or to a file outside the submission is refused, as
are FIFOs, devices and sockets), zips are extracted without leaving their folder (zip slip), and
both are bounded in bytes and in files before anything is read.
"""
import os
import stat
import unicodedata
import zipfile

from gradekit.submit import ignored  # what is never copied from a submission: data, caches, artefacts

MAX_BYTES = 500 * 1024 * 1024  # what one submission (folder or zip) may hold, once unpacked
MAX_FILES = 20_000  # files and folders in one submission (zip members, directory entries included)

# A student_id: the folder or zip name, which names the submission's folder in the output folder.
# Plain names only, e.g. Canvas's `smith_john_12345_67890_assignment1`, an email address or
# Moodle's `John Smith_12345_assignsubmission_file_`.
MAX_ID_LENGTH = 100
ID_PUNCTUATION = "_-.@+ "
ALLOWED_IDS = (f"letters, digits, spaces and {' '.join(ID_PUNCTUATION.strip())}, "
               f"at most {MAX_ID_LENGTH} characters, not starting with '.'")
RESERVED_IDS = ("gradebook.csv", "gradebook.csv.tmp")  # files of the output folder itself


class SubmissionError(Exception):
    """The submission cannot be graded at all (unsafe name or content, unreadable zip, nothing of the
    assignment)."""


def student_id(path):
    """The submission's folder or zip name without `.zip`, as the gradebook's student_id and the name
    of its folder in the output folder; raises SubmissionError if that name is not safe as one."""
    name = os.path.basename(os.path.normpath(path))
    if name.lower().endswith(".zip"):
        name = name[:-4]
    return check_student_id(name, path)


def check_student_id(name, path=None):
    """`name` if it is a safe student_id (see ALLOWED_IDS), else SubmissionError naming `path`."""
    where = shown(path if path is not None else name)
    problem = id_problem(name)
    if problem:
        raise SubmissionError(f"{where}: {problem}; a student id (the folder or zip name) may hold only "
                              f"{ALLOWED_IDS}")
    if name.casefold() in RESERVED_IDS:
        raise SubmissionError(f"{where}: {name} is the name of a file of the output folder, not a student id")
    return name


def id_problem(name):
    if not name:
        return "the name is empty once .zip is removed"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "the name contains control or invisible characters"
    if "/" in name or "\\" in name or os.sep in name or (os.altsep and os.altsep in name):
        return "the name contains a path separator"
    if ".." in name:
        return "the name contains '..'"
    if name.startswith("."):
        return "the name starts with '.'"
    if len(name) > MAX_ID_LENGTH:
        return f"the name is longer than {MAX_ID_LENGTH} characters"
    if name != name.strip():
        return "the name starts or ends with a space"
    others = sorted({c for c in name if not (c.isalnum() or c in ID_PUNCTUATION)})
    if others:
        return f"the name contains {', '.join(map(repr, others))}"
    return None


def id_key(name):
    """Two student_ids that are one folder on a case-insensitive disk (macOS, Windows) have one key."""
    return unicodedata.normalize("NFC", name).casefold()


def shown(path):
    """A path for a one-line message (a name with a newline in it stays on one line)."""
    path = os.fspath(path)
    return path if path.isprintable() else ascii(path)


def check_readable(path):
    """`path`'s os.stat, or SubmissionError if it does not exist, cannot be read or is neither a
    folder nor a file (what could never be graded, and gets no row in the gradebook)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            with os.scandir(path):
                pass
        elif stat.S_ISREG(info.st_mode):
            with open(path, "rb"):
                pass
        else:
            raise SubmissionError(f"not a folder or a zip file: {shown(path)}")
        return info
    except (FileNotFoundError, NotADirectoryError):
        raise SubmissionError(f"no such submission: {shown(path)}") from None
    except OSError as exc:
        raise SubmissionError(f"cannot read submission {shown(path)}: {exc.strerror}") from None


def unpack(path, scratch, assignment):
    """Copy the submission into `scratch` (created) and return the folder holding the assignment."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SubmissionError(f"{path} does not exist") from None
    if stat.S_ISDIR(info.st_mode):
        copy_folder(path, scratch)
    elif stat.S_ISREG(info.st_mode) and zipfile.is_zipfile(path):  # never open a FIFO: it blocks
        extract_zip(path, scratch)
    else:
        raise SubmissionError(f"{os.path.basename(path)} is neither a folder nor a zip file")
    return find_root(scratch, assignment)


# -- folders ----------------------------------------------------------------------------------
def copy_folder(source, scratch):
    """Copy a submission folder without following links, ignored names skipped (and not looked
    into). Everything is checked before anything is copied; each file is then opened without
    following links and must be the very file (device and inode) that was checked, and no longer."""
    name = os.path.basename(os.path.normpath(source))
    entries = walk_folder(source, name)
    os.makedirs(scratch)
    for rel, identity, size in entries:
        target = os.path.join(scratch, rel)
        if size is None:
            os.mkdir(target)
        else:
            copy_file(os.path.join(source, rel), target, identity, size, f"{name}: {rel}")


def walk_folder(source, name):
    """[(relative path, (device, inode), size or None for a folder)] of everything to copy, parents
    first; SubmissionError for a link, a special file, too many files or too many bytes."""
    entries, total = [], 0
    root = os.stat(source)  # the folder given may itself be a link: the instructor chose it
    pending = [("", (root.st_dev, root.st_ino))]
    while pending:
        rel, identity = pending.pop()
        fd = open_checked(os.path.join(source, rel), identity, os.O_DIRECTORY, f"{name}: {rel or '.'}",
                          follow=not rel)
        try:
            with os.scandir(fd) as listing:
                for entry in listing:
                    if ignored(entry.name):
                        continue
                    child = os.path.join(rel, entry.name)
                    if len(entries) >= MAX_FILES:
                        raise SubmissionError(f"{name} holds more than {MAX_FILES} files and folders")
                    info = entry.stat(follow_symlinks=False)
                    mode = info.st_mode
                    if stat.S_ISLNK(mode):
                        raise SubmissionError(f"{name}: {shown(child)} is a symbolic link (to "
                                              f"{shown(link_target(entry.name, fd))}); links are not "
                                              "accepted in a submission, copy the file instead")
                    if stat.S_ISDIR(mode):
                        entries.append((child, (info.st_dev, info.st_ino), None))
                        pending.append((child, (info.st_dev, info.st_ino)))
                    elif stat.S_ISREG(mode):
                        total += info.st_size
                        if total > MAX_BYTES:
                            raise SubmissionError(f"{name} holds more than {MAX_BYTES >> 20} MiB")
                        entries.append((child, (info.st_dev, info.st_ino), info.st_size))
                    else:
                        raise SubmissionError(f"{name}: {shown(child)} is a {special_kind(mode)}, "
                                              "not a regular file")
        except OSError as exc:
            raise SubmissionError(f"{name}: {shown(rel or '.')} cannot be read: {exc.strerror}") from None
        finally:
            os.close(fd)
    return entries


def open_checked(path, identity, flags, what, follow=False):
    """Open `path` without following a link and check it is still what the walk saw (a folder or
    file swapped for a link, or for another one, since then is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | flags | (0 if follow else os.O_NOFOLLOW))
    except OSError as exc:
        raise SubmissionError(f"{shown(what)} cannot be read: {exc.strerror}") from None
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != identity:
        os.close(fd)
        raise SubmissionError(f"{shown(what)} changed while the submission was being copied")
    return fd


def copy_file(path, target, identity, size, what):
    fd = open_checked(path, identity, 0, what)
    try:
        info = os.fstat(fd)
        left = size + 1  # read at most what was counted, and one byte to see it did not grow
        with open(target, "xb") as out:
            while left:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
        if not left:
            raise SubmissionError(f"{shown(what)} changed while the submission was being copied")
    finally:
        os.close(fd)
    os.chmod(target, (stat.S_IMODE(info.st_mode) & 0o777) | stat.S_IRUSR | stat.S_IWUSR)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def link_target(name, dir_fd):
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return "?"


def special_kind(mode):
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


# -- zips -------------------------------------------------------------------------------------
def extract_zip(path, scratch):
    """Extract safely: no absolute paths or '..', no links or special files, bounded in members and
    bytes (checked before anything is extracted), ignored names skipped."""
    name = os.path.basename(path)
    try:
        declared = declared_members(path)
        if declared is not None and declared > MAX_FILES:  # before reading a huge central directory
            raise SubmissionError(f"{name} holds more than {MAX_FILES} files and folders")
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_FILES:
                raise SubmissionError(f"{name} holds more than {MAX_FILES} files and folders")
            if sum(m.file_size for m in members) > MAX_BYTES:
                raise SubmissionError(f"{name} unpacks to more than {MAX_BYTES >> 20} MiB")
            for member in members:
                filename = member.filename.replace("\\", "/")
                parts = filename.split("/")
                drive = len(filename) > 1 and filename[0].isalpha() and filename[1] == ":"
                if filename.startswith("/") or ".." in parts or drive:
                    raise SubmissionError(f"{name}: unsafe path {member.filename!r}")
                if any(ignored(part) for part in parts):
                    continue
                kind = stat.S_IFMT(member.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    with archive.open(member) as link:
                        target = link.read(200).decode("utf-8", "replace")
                    raise SubmissionError(f"{name}: {shown(member.filename)} is a symbolic link (to "
                                          f"{shown(target)}); links are not accepted in a submission")
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise SubmissionError(f"{name}: {shown(member.filename)} is a {special_kind(kind)}, "
                                          "not a regular file")
                archive.extract(member, scratch)
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{name} is not a readable zip file: {exc}") from None


def declared_members(path):
    """The member count the zip's end record declares, read without its central directory (None if
    it cannot be read this way: ZipFile itself then decides)."""
    try:
        with open(path, "rb") as f:
            end = zipfile._EndRecData(f)
        return end[zipfile._ECD_ENTRIES_TOTAL] if end else None
    except (AttributeError, IndexError, OSError):
        return None


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
