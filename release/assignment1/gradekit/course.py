"""Where an assignment's parts live in the repository, read from its assignment.toml."""
import os
import tomllib
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Assignment:
    name: str
    package: str
    notebooks: tuple
    points: dict
    data: tuple = ("cifar10",)
    partly_wrong: tuple = ()  # mutants planted in the partly wrong example ([examples] in assignment.toml)
    repo: str = REPO

    @property
    def source(self):
        """nbgrader source notebooks (with solution cells)."""
        return os.path.join(self.repo, "source", self.name)

    @property
    def solutions(self):
        """The reference implementation of the course package (its parent folder)."""
        return os.path.join(self.repo, "solutions", self.name)

    @property
    def autograder(self):
        return os.path.join(self.repo, "autograder", self.name)

    @property
    def public_tests(self):
        return os.path.join(self.autograder, "public")

    @property
    def release(self):
        return os.path.join(self.repo, "release", self.name)

    @property
    def max_score(self):
        return float(sum(self.points.values()))


def load(name, repo=REPO):
    """The assignment called `name`, with a clear error listing the ones that exist."""
    path = os.path.join(repo, "autograder", name, "assignment.toml")
    if not os.path.exists(path):
        known = sorted(d for d in os.listdir(os.path.join(repo, "autograder"))
                       if os.path.exists(os.path.join(repo, "autograder", d, "assignment.toml")))
        raise SystemExit(f"unknown assignment {name!r}; known: {', '.join(known) or 'none'}")
    with open(path, "rb") as f:
        spec = tomllib.load(f)
    return Assignment(name=spec["name"], package=spec["package"], notebooks=tuple(spec["notebooks"]),
                      points=dict(spec["points"]), data=tuple(spec.get("data", ["cifar10"])),
                      partly_wrong=tuple(spec.get("examples", {}).get("partly_wrong", ())), repo=repo)
