"""The attacks of tests/test_attacks.py: each the untouched release (base "release", 0 points of its
own) or the reference solution (base "reference", 20 on kNN) of assignment 1 with one attack.

Each row says:
- what is planted in the base (`plants`, see build.py; the code itself is in payloads/);
- what must score 0: on the reference, the checks in `lost` (the others keep their points); on the
  release, every check;
- where the message saying what happened is, and what it says (`message`: "execution" is the kNN
  notebook's execution message, "error" the result's error, otherwise the name of a kNN check);
- which side effects are checked (`effects`, see EFFECTS in test_attacks.py), with the canary
  files it must leave alone and the paths it must not create.
"""
from dataclasses import dataclass

from attacks.build import Append, Cell, File, Link, ZipWith

ALL = "all"
MB = 1 << 20
# The limits the suite grades with: the reference's slowest kNN cell takes 15-30 s on a busy 2-core
# machine, so 60 s leaves it room beside the batch's other kernels.
CELL_TIMEOUT, CALL_TIMEOUT = 60, 10
KNN_CHECKS = {  # check name: points
    "test_two_loop_distances_match_expected": 3, "test_one_loop_distances_match_expected": 2,
    "test_no_loop_distances_match_expected": 3, "test_distances_have_shape_num_test_by_num_train": 1,
    "test_predict_labels_takes_the_majority_of_the_k_nearest": 2,
    "test_predict_labels_breaks_ties_towards_the_smaller_label": 2,
    "test_distances_match_the_reference_on_new_inputs": 2, "test_predictions_match_the_reference": 1,
    "test_best_k_reaches_the_target_on_test": 4,
}
MODEL_CHECKS = ("test_best_k_reaches_the_target_on_test",)  # the one check that reads the notebook's artefact
KNN_MODULE = "cs231n/classifiers/k_nearest_neighbor.py"
PACKAGE = "cs231n/__init__.py"
REFUSED = r"raised (FileNotFoundError|PermissionError|OSError)"  # what reaching outside the sandbox raises
OWN_CODE = r"NotImplementedError"  # the release's own code ran: nothing else was imported


@dataclass(frozen=True)
class Attack:
    name: str            # what must hold, as a sentence: the test's id
    id: str              # short name; the student id is atk-<id>
    base: str            # "release" or "reference"
    plants: tuple        # what is planted in the base (build.py)
    message: tuple       # (where, regex the message must match)
    lost: object = ALL   # reference base: the kNN checks that must earn 0; the others keep their points
    status: str = "graded"
    effects: tuple = ()  # side effects checked (test_attacks.EFFECTS)
    canaries: tuple = ()  # files the suite creates outside the scratch ("tmp", "beside-out"): kept
    absent: tuple = ()   # paths that must never appear ("tmp", "zip-slip", "data")

    @property
    def student(self):
        return f"atk-{self.id}"

    @property
    def earning(self):
        """The kNN checks that must earn their points (all others earn 0)."""
        if self.base == "release" or self.lost == ALL:
            return set()
        return set(KNN_CHECKS) - set(self.lost)

    @property
    def knn_score(self):
        return sum(KNN_CHECKS[check] for check in self.earning)


ATTACKS = [
    # -- reading what students must not see -------------------------------------------------------
    Attack("a notebook cell that reads the reference solution scores nothing and leaks nothing",
           "cell-reads-reference", "release", (Cell("cell_reads_reference"),),
           ("execution", REFUSED), effects=("no-leak",)),
    Attack("a student module that runs the reference solution at import time scores nothing and leaks nothing",
           "module-reads-reference", "release", (Append(KNN_MODULE, "module_reads_reference"),),
           ("test_no_loop_distances_match_expected", REFUSED), effects=("no-leak",)),
    Attack("a notebook cell that reads the hidden checks leaks nothing",
           "cell-reads-hidden", "release", (Cell("cell_reads_hidden"),),
           ("execution", REFUSED), effects=("no-leak",)),
    Attack("a student module that reads the hidden checks at import time leaks nothing",
           "module-reads-hidden", "release", (Append(PACKAGE, "module_reads_hidden"),),
           ("test_no_loop_distances_match_expected", REFUSED), effects=("no-leak",)),
    Attack("a notebook cell cannot copy a classmate's submission",
           "cell-copies-a-classmate", "release", (Cell("cell_copies_a_classmate"),), ("execution", REFUSED)),
    Attack("a student package that finds --reference on another process's command line scores nothing",
           "proc-finds-reference", "release", (Append(PACKAGE, "proc_finds_reference"),),
           ("test_no_loop_distances_match_expected", OWN_CODE)),
    Attack("a student package that imports the reference by its path scores nothing",
           "imports-reference-by-path", "release", (Append(PACKAGE, "imports_reference_by_path"),),
           ("test_no_loop_distances_match_expected", REFUSED)),
    Attack("a student package that walks the filesystem for the reference scores nothing",
           "walks-for-reference", "release", (Append(PACKAGE, "walks_for_reference"),),
           ("test_no_loop_distances_match_expected", OWN_CODE)),
    # -- writing checks, results and the gradebook ------------------------------------------------
    Attack("a notebook cell that rewrites the autograder scores nothing and changes no check",
           "cell-rewrites-checks", "release", (Cell("cell_rewrites_checks"),),
           ("execution", REFUSED), effects=("repo-kept",)),
    Attack("a notebook cell that finds the output folder in /proc cannot rewrite other results",
           "cell-rewrites-results", "release", (Cell("cell_rewrites_results_found_in_proc"),),
           ("execution", r"raised RuntimeError: gkatk: no output folder"), effects=("others-kept",)),
    Attack("a notebook cell that walks the filesystem for the gradebook cannot add a ghost student",
           "cell-adds-ghost", "release", (Cell("cell_adds_ghost_found_by_walking"),),
           ("execution", r"raised RuntimeError: gkatk: no gradebook"), effects=("no-ghost",)),
    Attack("a detached process left by a notebook cell cannot rewrite the result after grading",
           "cell-detached-rewriter", "release", (Cell("cell_detached_rewriter"),),
           ("execution", OWN_CODE), effects=("result-kept", "no-process")),
    Attack("a detached process left by the check worker cannot rewrite the result after grading",
           "module-detached-rewriter", "release", (Append(PACKAGE, "module_detached_rewriter"),),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("result-kept", "no-process")),
    # -- patching the grader's code ---------------------------------------------------------------
    Attack("a student package that patches numpy's comparisons scores nothing",
           "module-patches-numpy", "release", (Append(PACKAGE, "module_patches_numpy"),),
           ("test_no_loop_distances_match_expected", OWN_CODE)),
    Attack("a student package that patches gradekit's assertions and pytest scores nothing",
           "module-patches-gradekit", "release", (Append(PACKAGE, "module_patches_gradekit_and_pytest"),),
           ("test_no_loop_distances_match_expected", OWN_CODE)),
    Attack("a conftest.py in the submission is never loaded by the checks",
           "conftest", "release", (File("conftest.py", "conftest_hook"), File("cs231n/conftest.py", "conftest_hook"),
                                   Append("autograder/conftest.py", "conftest_hook")),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("witness",)),
    Attack("a sitecustomize.py in the submission never runs outside its sandbox",
           "sitecustomize", "release", (File("sitecustomize.py", "startup_hook"),),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("witness",)),
    Attack("a usercustomize.py in the submission never runs outside its sandbox",
           "usercustomize", "release", (File("usercustomize.py", "startup_hook"),),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("witness",)),
    Attack("a .pth file in the submission never runs outside its sandbox",
           "pth-in-submission", "release", (File("gkatk.pth", "startup_hook"), File("cs231n/gkatk.pth", "startup_hook")),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("witness",)),
    Attack("a notebook cell cannot write a .pth file into the grader's site-packages",
           "cell-writes-venv-pth", "release", (Cell("cell_writes_venv_pth"),),
           ("execution", REFUSED), effects=("no-pth", "witness")),
    Attack("a shadow copy of gradekit in the submission never replaces the grader's",
           "shadow-gradekit", "release", (Append("gradekit/__init__.py", "startup_hook"),
                                          Append("gradekit/autograde/plugin.py", "shadow_plugin")),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("witness",)),
    # -- lying ------------------------------------------------------------------------------------
    Attack("full marks printed by a notebook cell are not trusted",
           "cell-prints-full-marks", "release", (Cell("cell_prints_full_marks"),),
           ("execution", OWN_CODE)),
    Attack("an array that claims to equal everything scores nothing",
           "agreeable-arrays", "release", (Append(KNN_MODULE, "module_returns_agreeable_arrays"),),
           ("test_no_loop_distances_match_expected", r"relative error|differ")),
    Attack("NaN and infinite results score nothing",
           "nan-and-inf", "release", (Append(KNN_MODULE, "module_returns_nan_and_inf"),),
           ("test_no_loop_distances_match_expected", r"non-finite")),
    Attack("the right values as complex or float16 arrays score nothing",
           "wrong-dtypes", "release", (Append(KNN_MODULE, "module_returns_wrong_dtypes"),),
           ("test_no_loop_distances_match_expected", r"complex128 array")),
    # -- exhausting the machine -------------------------------------------------------------------
    Attack("an endless loop in a notebook cell costs only the notebook's model check",
           "cell-endless-loop", "reference", (Cell("cell_endless_loop"),),
           ("execution", rf"exceeded the {CELL_TIMEOUT} s time limit"), lost=MODEL_CHECKS),
    Attack("an endless loop in a function costs only the checks that call it",
           "function-endless-loop", "reference", (Append(KNN_MODULE, "module_endless_loop"),),
           ("test_two_loop_distances_match_expected", rf"did not return within {CALL_TIMEOUT} s"),
           lost=("test_two_loop_distances_match_expected", "test_distances_have_shape_num_test_by_num_train",
                 "test_distances_match_the_reference_on_new_inputs", *MODEL_CHECKS)),
    Attack("a notebook cell sleeping past the time limit is stopped",
           "cell-sleeps", "release", (Cell("cell_sleeps"),),
           ("execution", rf"exceeded the {CELL_TIMEOUT} s time limit")),
    Attack("a fork bomb costs only the notebook's model check and leaves no process",
           "fork-bomb", "reference", (Cell("cell_fork_bomb"),),
           ("execution", r"Resource temporarily unavailable|BlockingIOError"), lost=MODEL_CHECKS,
           effects=("no-process",)),
    Attack("a memory bomb costs only the notebook's model check",
           "memory-bomb", "reference", (Cell("cell_memory_bomb"),),
           ("execution", r"out of memory"), lost=MODEL_CHECKS),
    Attack("100 MB of output from a cell is not kept",
           "floods-output", "release", (Cell("cell_floods_output"),),
           ("execution", OWN_CODE), effects=("small-notebook",)),
    # -- the network ------------------------------------------------------------------------------
    Attack("a notebook cell cannot connect to a port of the grading machine",
           "cell-connects", "release", (Cell("cell_connects_to_the_machine"),),
           ("execution", r"raised (ConnectionRefusedError|OSError|TimeoutError)"), effects=("listener",)),
    Attack("a student module cannot connect to a port of the grading machine",
           "module-connects", "release", (Append(PACKAGE, "module_connects_to_the_machine"),),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("listener",)),
    Attack("a notebook cell has no route to a public address",
           "cell-routes-public", "release", (Cell("cell_routes_to_a_public_address"),),
           ("execution", r"Network is unreachable")),
    # -- files outside the scratch folder ---------------------------------------------------------
    Attack("a notebook cell cannot delete or write files outside its scratch folder",
           "cell-touches-outside", "release", (Cell("cell_touches_files_outside"),),
           ("execution", REFUSED), effects=("canaries",), canaries=("tmp", "beside-out")),
    Attack("a student module cannot delete or write files outside its scratch folder",
           "module-touches-outside", "release", (Append(PACKAGE, "module_touches_files_outside"),),
           ("test_no_loop_distances_match_expected", OWN_CODE), effects=("canaries",), canaries=("tmp", "beside-out")),
    Attack("a notebook cell cannot write into the data folder",
           "cell-writes-into-the-data", "release", (Cell("cell_writes_into_the_data"),),
           ("execution", REFUSED), effects=("absent",), absent=("data",)),
    Attack("an artefact holding a pickle is never unpickled",
           "pickled-artefact", "release", (Cell("cell_saves_a_pickle"),),
           ("test_best_k_reaches_the_target_on_test", r"plain arrays|pickle|object"), effects=("absent",),
           absent=("tmp",)),
    # -- the submission itself --------------------------------------------------------------------
    Attack("a zip member ../../x is refused and written nowhere",
           "zip-slip", "release", (ZipWith("../../gkatk-zip-slip-{token}.txt"),),
           ("error", r"unsafe path"), status="failed", effects=("absent",), absent=("zip-slip",)),
    Attack("a link to /etc/passwd in a submission folder is refused",
           "link-to-passwd", "release", (Link("notes.txt", "/etc/passwd"),),
           ("error", r"symbolic link \(to /etc/passwd\)"), status="failed"),
    Attack("a link to /dev/zero in a submission folder is refused",
           "link-to-dev-zero", "release", (Link("cs231n/weights.npy", "/dev/zero"),),
           ("error", r"symbolic link \(to /dev/zero\)"), status="failed"),
    Attack("a link to the reference solution in a submission folder is refused",
           "link-to-reference", "release",
           (Link(KNN_MODULE, "{solutions}/cs231n/classifiers/k_nearest_neighbor.py"),),
           ("error", r"symbolic link"), status="failed"),
    Attack("a zip declaring a member of 4 GB is refused",
           "zip-declares-4gb", "release", (ZipWith("assignment1/weights.bin", declared=4000 * MB),),
           ("error", r"unpacks to more than 500 MiB"), status="failed"),
    Attack("a zip of 1 GB of zeros is refused",
           "zip-of-zeros", "release", (ZipWith("assignment1/weights.bin", zeros=1024 * MB),),
           ("error", r"unpacks to more than 500 MiB"), status="failed"),
]

HONEST = Attack("the reference solution, graded alone and in the batch", "honest", "reference", (),
                ("execution", r"^$"), lost=())

NEIGHBOUR = Attack("a neighbour in the batch reaches no other submission", "neighbour", "release",
                   (Cell("cell_reaches_the_neighbours"),), ("execution", OWN_CODE))

POISONER = Attack("a store poisoner (the honest notebook, a kNN module that saves a useless best_k and "
                  "then restores the honest file) cannot change an honest regrade",
                  "store-poisoner", "reference", (Append(KNN_MODULE, "module_poisons_the_store"),),
                  ("test_best_k_reaches_the_target_on_test", r"best_k = 5000"), lost=MODEL_CHECKS)
