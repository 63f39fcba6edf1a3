"""How an attack is planted in a submission: a cell in knn.ipynb, code appended to a module of the
package, a new file, a link, or a crafted zip. The planted code is a payload of `payloads/`
preceded by `GKATK = {...}` (what the attack needs to know: the repository's paths, its canary
files, the test's port) and the prelude of helpers the payloads share."""
import base64
import os
import shutil
import struct
import zipfile
from dataclasses import dataclass

import nbformat

PAYLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "payloads")
MARKER = "gkatk-marker.txt"  # in every submission of the suite: the only folders an attack touches


def payload(name):
    """The source of payloads/<name>.py."""
    with open(os.path.join(PAYLOADS, f"{name}.py")) as f:
        return f.read()


def planted(name, context):
    """A payload as planted: GKATK, the prelude, the payload."""
    return f"GKATK = {context!r}\n\n{payload('_prelude')}\n{payload(name)}"


@dataclass(frozen=True)
class Cell:
    """A code cell running `payload`, right after the notebook's parameters."""
    payload: str
    notebook: str = "knn.ipynb"

    def apply(self, folder, context):
        path = os.path.join(folder, self.notebook)
        nb = nbformat.read(path, as_version=4)
        index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(planted(self.payload, context)))
        nbformat.write(nb, path)

    def __str__(self):
        return f"cell after the parameters: {self.payload}"


@dataclass(frozen=True)
class Append:
    """`payload` appended to a module of the submission (it runs when the module is imported)."""
    module: str
    payload: str

    def apply(self, folder, context):
        with open(os.path.join(folder, self.module), "a") as f:
            f.write("\n\n" + planted(self.payload, context))

    def __str__(self):
        return f"appended to {self.module}: {self.payload}"


@dataclass(frozen=True)
class File:
    """A new file of the submission running `payload` (a .pth file gets it as one import line)."""
    path: str
    payload: str

    def apply(self, folder, context):
        code = planted(self.payload, context)
        if self.path.endswith(".pth"):
            code = f"import base64; exec(base64.b64decode({base64.b64encode(code.encode()).decode()!r}), {{}})\n"
        target = os.path.join(folder, self.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write(code)

    def __str__(self):
        return f"new file {self.path}: {self.payload}"


@dataclass(frozen=True)
class Link:
    """A symbolic link in the submission folder (to a path, formatted with the context)."""
    path: str
    target: str

    def apply(self, folder, context):
        path = os.path.join(folder, self.path)
        if os.path.lexists(path):
            os.remove(path)
        os.symlink(self.target.format(**context), path)

    def __str__(self):
        return f"link {self.path} -> {self.target}"


@dataclass(frozen=True)
class ZipWith:
    """The submission as a zip, with one more member: a name escaping the folder (zip slip), a
    member whose headers declare `declared` bytes, or `zeros` bytes of zeros (deflated)."""
    member: str
    declared: int = 0
    zeros: int = 0

    def apply(self, folder, context):
        path = folder + ".zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for base, _, files in os.walk(folder):
                for name in files:
                    full = os.path.join(base, name)
                    archive.write(full, os.path.join("assignment1", os.path.relpath(full, folder)))
            member = self.member.format(**context)
            if self.zeros:
                info = zipfile.ZipInfo(member)
                info.compress_type = zipfile.ZIP_DEFLATED
                info._compresslevel = 1  # zipfile's own attribute for it: twice as fast as the default
                with archive.open(info, "w", force_zip64=True) as f:
                    block = bytes(1 << 20)
                    for _ in range(self.zeros >> 20):
                        f.write(block)
            else:
                archive.writestr(member, "gkatk\n")
        if self.declared:
            declare_size(path, member, self.declared)
        shutil.rmtree(folder)
        return path

    def __str__(self):
        what = f"{self.zeros >> 20} MiB of zeros" if self.zeros else \
            f"declaring {self.declared >> 20} MiB" if self.declared else "a member"
        return f"zip with {what}: {self.member}"


def declare_size(path, member, size):
    """Rewrite the uncompressed size of `member` in the zip's local header and central directory."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        name = member.encode()
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = 0
            while (start := data.find(signature, start)) >= 0:
                name_at = start + (30 if signature == b"PK\x03\x04" else 46)
                if data[name_at:name_at + len(name)] == name:
                    data[start + offset:start + offset + 4] = struct.pack("<I", size)
                start += 4
        f.seek(0)
        f.write(data)


def write_submission(attack, base, dest, context):
    """The submission of `attack`: a copy of the base folder with its plants; returns its path."""
    folder = os.path.join(dest, attack.student)
    shutil.copytree(base, folder, symlinks=True)
    path = folder
    for plant in attack.plants:
        path = plant.apply(folder, context) or path
    return path


def write_base(source, dest, notebooks=("knn",)):
    """A base submission: `source` (the release or the reference) with only `notebooks`, marked
    as one of the suite's."""
    shutil.copytree(source, dest)
    for name in os.listdir(dest):
        if name.endswith(".ipynb") and name[:-len(".ipynb")] not in notebooks:
            os.remove(os.path.join(dest, name))
    with open(os.path.join(dest, MARKER), "w") as f:
        f.write("a submission of tests/test_attacks.py\n")
    return dest
