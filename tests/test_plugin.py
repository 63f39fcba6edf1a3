"""The autograder plugin's record of outcomes: written as each test finishes, and messages that
blame the value a test could not grade, not the check; the checks' time budget keeps what ran."""
import json
import textwrap
import time
from types import SimpleNamespace

import pytest

from gradekit.pipeline import check
from gradekit.autograde import plugin  # noqa: F401 - imported once: pytester's runs must not import numpy again

pytestmark = pytest.mark.unit

pytest_plugins = ["pytester"]

CONFTEST = 'pytest_plugins = ["gradekit.autograde.plugin"]\n'
HEADER = '''
import json, os, time
import numpy as np
import pytest
from gradekit.autograde.checks import assert_close
pytestmark = pytest.mark.notebook("nb")
'''


@pytest.fixture
def autograder(pytester):
    """pytester's folder as an autograder: the plugin, and test files written with `write`."""
    pytester.makeconftest(CONFTEST)

    def write(body, name="test_nb"):
        pytester.makepyfile(**{name: HEADER + textwrap.dedent(body)})
    return write


def run_spec(pytester, **settings):
    """The option giving a run spec file, written in pytester's folder, that holds `settings`."""
    path = pytester.path / "run-spec.json"
    path.write_text(json.dumps(settings))
    return f"--run-spec={path}"


def outcomes(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_each_outcome_is_appended_as_soon_as_its_test_finishes(pytester, autograder):
    progress = pytester.path / "outcomes.jsonl"
    autograder(f'''
        @pytest.mark.points(1)
        def test_first():
            pass

        @pytest.mark.points(2)
        def test_second_sees_the_first_on_disk():
            with open({str(progress)!r}) as f:
                ids = [json.loads(line).get("id") for line in f]
            assert ids == [None, "test_nb.py::test_first"], ids
        ''')
    pytester.runpytest(run_spec(pytester, outcomes_jsonl=str(progress))).assert_outcomes(passed=2)
    lines = outcomes(progress)
    assert [line.get("id") for line in lines[1:]] == ["test_nb.py::test_first",
                                                      "test_nb.py::test_second_sees_the_first_on_disk"]
    assert lines[2]["status"] == "passed" and lines[2]["earned"] == 2.0


def test_the_first_line_names_every_test_about_to_run_and_the_seed(pytester, autograder):
    progress = pytester.path / "outcomes.jsonl"
    autograder('''
        @pytest.mark.points(1)
        @pytest.mark.parametrize("n", [1, 2])
        def test_numbered(n):
            pass
        ''')
    pytester.runpytest(run_spec(pytester, outcomes_jsonl=str(progress), grading_seed=7))
    header = outcomes(progress)[0]
    assert header["grading_seed"] == 7
    assert [t["id"] for t in header["collected"]] == ["test_nb.py::test_numbered[1]", "test_nb.py::test_numbered[2]"]
    assert header["collected"][0]["points"] == 1.0 and header["collected"][0]["notebook"] == "nb"


def test_the_recorder_invents_no_outcome_for_a_test_that_did_not_run(pytester, autograder):
    results = pytester.path / "results.json"
    autograder('''
        @pytest.mark.points(1)
        def test_fails():
            assert False, "wrong"

        @pytest.mark.points(1)
        def test_never_reached():
            pass
        ''')
    pytester.runpytest("-x", f"--results-json={results}")
    tests = json.loads(results.read_text())["tests"]
    assert [t["id"] for t in tests] == ["test_nb.py::test_fails"]


def test_a_wrong_type_from_the_student_is_not_reported_as_a_failure_of_the_check(pytester, autograder):
    results = pytester.path / "results.json"
    autograder('''
        @pytest.mark.points(3)
        def test_distances():
            dists = ["0.5", "x"]  # what a student's function returned
            assert_close(dists, np.zeros(2), what="compute_distances_no_loops")
        ''')
    pytester.runpytest(f"--results-json={results}")
    (test,) = json.loads(results.read_text())["tests"]
    assert test["status"] == "failed" and "check itself" not in test["message"]
    assert test["message"].startswith("compute_distances_no_loops returned a list of 2 items (str)")


def test_an_exception_while_grading_a_value_names_the_test_and_the_exception(pytester, autograder):
    results = pytester.path / "results.json"
    autograder('''
        @pytest.mark.points(2)
        def test_training_lowers_the_loss():
            history = 0.5  # a student's train() returned a number, not a list
            assert len(history) == 60
        ''')
    pytester.runpytest(f"--results-json={results}")
    (test,) = json.loads(results.read_text())["tests"]
    assert test["message"] == ("test_training_lowers_the_loss could not grade the value returned: "
                               "TypeError: object of type 'float' has no len()")


def test_the_traceback_of_an_exception_that_is_not_an_assertion_is_kept_in_the_log(pytester, autograder):
    autograder('''
        @pytest.mark.points(2)
        def test_training_lowers_the_loss():
            history = 0.5
            assert len(history) == 60
        ''')
    result = pytester.runpytest("--tb=line")
    result.stdout.fnmatch_lines(["*gradekit: exceptions that are not assertions*",
                                 "test_nb.py::test_training_lowers_the_loss:", "Traceback*",
                                 "*assert len(history) == 60", "TypeError: object of type 'float' has no len()"])


def test_an_error_in_a_fixture_is_still_the_checks_own_failure(pytester, autograder):
    results = pytester.path / "results.json"
    autograder('''
        @pytest.fixture
        def table():
            return {}["missing"]

        @pytest.mark.points(1)
        def test_uses_the_table(table):
            pass
        ''')
    pytester.runpytest(f"--results-json={results}")
    (test,) = json.loads(results.read_text())["tests"]
    assert test["status"] == "error" and test["message"] == "the check itself failed (setup): KeyError: 'missing'"


# -- the run spec: the grader's settings for one run, in one file (--run-spec) ----------------------------
def test_a_run_specs_settings_reach_the_fixtures(pytester, autograder):
    (pytester.path / "solution").mkdir()
    (pytester.path / "solution" / "solved.py").write_text("def answer():\n    return 42\n")
    autograder(f'''
        @pytest.mark.points(1)
        def test_sees_the_run(grading_seed, reference, student_datasets):
            assert grading_seed == 7
            assert reference.call("solved.answer") == 42
            assert student_datasets == {{"cifar10": "/mounted/cifar-10-batches-py"}}
        ''')
    spec = run_spec(pytester, grading_seed=7, reference=str(pytester.path / "solution"), data_dir=str(pytester.path),
                    student_data={"cifar10": "/mounted/cifar-10-batches-py"})
    pytester.runpytest(spec).assert_outcomes(passed=1)


def test_the_sandbox_of_a_run_spec_is_the_spec_the_grader_wrote(pytester, autograder):
    from gradekit.sandbox import Limits, Spec

    sandbox = Spec(None, ("/data",), Limits(memory_mb=1000))
    autograder(f'''
        from gradekit.autograde.plugin import setting
        from gradekit.sandbox import Limits, Spec

        @pytest.mark.points(1)
        def test_sees_the_sandbox(request):
            assert setting(request.config, "sandbox") == {sandbox!r}
        ''')
    written = check.run_spec(SimpleNamespace(solutions=None), str(pytester.path), None, None, None, None, None,
                             120.0, sandbox, None)
    pytester.runpytest(run_spec(pytester, **written)).assert_outcomes(passed=1)


def usage_errors(result):
    """The non-blank lines pytest wrote to stderr, having refused to run."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    return [line for line in result.stderr.lines if line.strip()]


def test_an_unknown_key_in_the_run_spec_is_refused_naming_the_file_and_the_key(pytester, autograder):
    autograder('''
        @pytest.mark.points(1)
        def test_passes():
            pass
        ''')
    option = run_spec(pytester, grading_seed=7, seed=7)
    path = option.split("=", 1)[1]
    (line,) = usage_errors(pytester.runpytest(option))
    assert line.startswith(f"ERROR: --run-spec {path}: unknown key 'seed' (a run spec has submission, ")


def test_a_missing_run_spec_file_is_refused_naming_it(pytester, autograder):
    autograder('''
        @pytest.mark.points(1)
        def test_passes():
            pass
        ''')
    path = pytester.path / "nowhere.json"
    assert usage_errors(pytester.runpytest(f"--run-spec={path}")) == [
        f"ERROR: --run-spec {path} cannot be read: No such file or directory"]


def test_a_setting_given_by_both_the_run_spec_and_an_option_is_refused(pytester, autograder):
    autograder('''
        @pytest.mark.points(1)
        def test_passes():
            pass
        ''')
    option = run_spec(pytester, grading_seed=7)
    assert usage_errors(pytester.runpytest(option, "--grading-seed=8")) == [
        f"ERROR: --run-spec {option.split('=', 1)[1]} gives grading_seed: do not also give --grading-seed"]


# -- the checks' time budget (gradekit.pipeline.check, on a small autograder in a temporary folder) ------------
def small_autograder(tmp_path, tests):
    folder = tmp_path / "autograder"
    folder.mkdir()
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "test_nb.py").write_text(HEADER + textwrap.dedent(tests))
    (tmp_path / "submission").mkdir()
    return SimpleNamespace(autograder=str(folder), solutions=str(tmp_path / "submission"))


def run_checks(tmp_path, assignment, call_timeout=120.0):
    return check.check(assignment, str(tmp_path / "submission"), str(tmp_path / "artifacts"),
                       str(tmp_path / "execution.json"), str(tmp_path / "out" / "checks.json"), None,
                       call_timeout=call_timeout, log_path=str(tmp_path / "checks.log"))


def test_a_checks_process_stopped_at_its_budget_keeps_the_outcomes_of_the_finished_checks(tmp_path, monkeypatch):
    assignment = small_autograder(tmp_path, '''
        @pytest.mark.points(1)
        def test_first():
            pass

        @pytest.mark.points(2)
        def test_second_sleeps():
            time.sleep(600)

        @pytest.mark.points(3)
        def test_third():
            pass
        ''')
    monkeypatch.setattr(check, "budget", lambda tests, call_timeout: 5)
    started = time.monotonic()
    results = run_checks(tmp_path, assignment)
    assert time.monotonic() - started < 60
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["test_first"]["status"] == "passed" and by_name["test_first"]["earned"] == 1.0
    for name in ("test_second_sleeps", "test_third"):
        assert by_name[name]["earned"] == 0.0
        assert by_name[name]["message"] == "did not run: the checks' time budget (5 s) ran out"
    assert json.loads((tmp_path / "out" / "checks.json").read_text())["tests"] == results["tests"]


SLOW_PACKAGE = '''
import time


def forever():
    while True:
        time.sleep(0.1)


def quick():
    return 1.0
'''


def test_a_hanging_call_costs_only_its_own_check(tmp_path, monkeypatch):
    """Three calls hang for their whole 2 s time limit: together longer than the checks' base
    budget (6 s, for the test), yet only their own checks lose their points."""
    assignment = small_autograder(tmp_path, '''
        @pytest.mark.points(1)
        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_hangs(student, n):
            student.call("slow.forever")

        @pytest.mark.points(2)
        def test_quick(student):
            assert student.call("slow.quick") == 1.0
        ''')
    (tmp_path / "submission" / "slow.py").write_text(SLOW_PACKAGE)
    monkeypatch.setattr(check, "CHECK_TIMEOUT", 6)
    results = run_checks(tmp_path, assignment, call_timeout=2)
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["test_quick"]["status"] == "passed", by_name["test_quick"]["message"]
    for n in (1, 2, 3):
        assert by_name[f"test_hangs[{n}]"]["message"] == "forever did not return within 2 s (time limit)"


def test_the_checks_budget_grows_with_the_number_of_checks_up_to_a_bound():
    assert check.budget(15, 120) == check.CHECK_TIMEOUT + 15 * 120
    assert check.budget(10 ** 6, 120) == check.MAX_CHECK_TIMEOUT


# -- measured values (the `measured` fixture), carried through to the result --------------------------
def test_measured_records_each_value_and_its_target_in_the_tests_outcome(pytester, autograder):
    results = pytester.path / "results.json"
    autograder('''
        @pytest.mark.points(4)
        def test_best_model_reaches_the_target(measured):
            acc = np.float64(0.31)
            measured("best_svm: validation accuracy", acc, 0.37)
            assert acc >= 0.37, f"validation accuracy {acc:.3f} < 0.37"

        @pytest.mark.points(1)
        def test_without_a_measure():
            pass
        ''')
    pytester.runpytest(f"--results-json={results}")
    measured, plain = json.loads(results.read_text())["tests"]
    assert measured["status"] == "failed"
    assert measured["measured"] == [{"what": "best_svm: validation accuracy", "value": 0.31, "target": 0.37}]
    assert "measured" not in plain


def test_measured_values_reach_the_scored_result(tmp_path):
    from types import SimpleNamespace as Assignment

    from gradekit.pipeline import score

    assignment = small_autograder(tmp_path, '''
        @pytest.mark.points(2)
        def test_accuracy(measured):
            measured("test accuracy", 0.5, 0.25)
            assert 0.5 >= 0.25
        ''')
    outcomes = run_checks(tmp_path, assignment)["tests"]
    manifest = [{k: v for k, v in t.items() if k in ("id", "notebook", "points", "name")} for t in outcomes]
    result = score.score(Assignment(notebooks=("nb",)), manifest, outcomes, {})
    assert result["tests"][0]["measured"] == [{"what": "test accuracy", "value": 0.5, "target": 0.25}]


def test_junit_xml_gives_each_test_case_its_points_and_notebook(pytester, autograder):
    import xml.etree.ElementTree as ET

    autograder('''
        @pytest.mark.points(1.5)
        def test_passes():
            pass

        @pytest.mark.points(2)
        def test_fails():
            assert False
        ''')
    pytester.runpytest("--junitxml=report.xml", "-o", "junit_family=xunit1").assert_outcomes(passed=1, failed=1)
    cases = ET.parse(pytester.path / "report.xml").getroot().iter("testcase")
    properties = {case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
                  for case in cases}
    assert properties == {"test_passes": {"notebook": "nb", "points": "1.5"},
                          "test_fails": {"notebook": "nb", "points": "2"}}


# -- what a student sees (`pytest autograder/` without --reference) and what the grader sees --------
INI = '''[pytest]
gradekit_points = nb=10 other=4
gradekit_data_dir = pkg/datasets
gradekit_datasets = nb=captions other=mnist
'''

FAILING_CHECK = '''
    @pytest.mark.points(3)
    def test_loss_matches_the_expected_value():
        loss = np.float64(1.32)  # what a student's svm_loss_naive returned
        assert_close(loss, np.float64(1.0), tol=1e-9, what="svm_loss_naive loss")
    '''


def failures_section(output):
    """The text between pytest's FAILURES header and the next section."""
    text = output.split("= FAILURES =", 1)[1].split("\n", 1)[1]
    return text.split("\n=", 1)[0]


def test_a_failed_check_is_one_short_block_with_its_name_points_and_message(pytester, autograder):
    results = pytester.path / "results.json"
    autograder(FAILING_CHECK)
    result = pytester.runpytest(f"--results-json={results}")
    (test,) = json.loads(results.read_text())["tests"]
    block = failures_section(result.stdout.str())
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[1:] == ["Loss matches the expected value [3 points]", "  " + test["message"]]
    assert "checks.py" not in block and "gradekit" not in block and "def test_" not in block


def test_a_check_whose_student_code_raises_shows_the_students_file_and_line(pytester, autograder):
    pytester.makepyfile(mycode='''
        def svm_loss_naive(n):
            return [0.0][n]
        ''')
    autograder('''
        @pytest.mark.points(2)
        def test_loss_runs(student):
            student.call("mycode.svm_loss_naive", 5)
        ''')
    block = failures_section(pytester.runpytest().stdout.str())
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[1] == "Loss runs [2 points]"
    assert lines[2] == "  svm_loss_naive raised IndexError: list index out of range (at mycode.py:2 in svm_loss_naive)"
    assert lines[3:] == ["  mycode.py:2: return [0.0][n]"]
    assert "student.py" not in block and "worker.py" not in block


def test_the_summary_gives_public_points_per_notebook_and_the_hidden_points(pytester, autograder):
    pytester.makeini(INI)
    autograder('''
        @pytest.mark.points(2)
        def test_passes():
            pass

        @pytest.mark.points(3)
        def test_fails():
            assert False, "wrong"
        ''')
    autograder('''
        pytestmark = pytest.mark.notebook("other")

        @pytest.mark.points(1)
        def test_other_passes():
            pass
        ''', name="test_other")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["gradekit: public checks by notebook",
                                 "  nb     2 / 5 public points (+ 5 in hidden checks = 10)",
                                 "  other  1 / 1 public points (+ 3 in hidden checks = 4)",
                                 "The hidden checks run only when the grader grades your submission*",
                                 "*= gradekit: 3 / 6 public points; 8 more in hidden checks, "
                                 "which only the grader runs =*"])


def test_a_check_missing_its_data_is_counted_in_the_summary_with_the_command_that_gets_it(pytester, autograder):
    pytester.makeini(INI)
    autograder('''
        @pytest.fixture(scope="module")
        def captions(data_dir):
            return open(os.path.join(data_dir, "coco_captioning", "train.h5"))  # never reached: skipped before

        @pytest.mark.points(2)
        @pytest.mark.parametrize("n", [1, 2])
        def test_overfits(captions, n):
            pass
        ''')
    result = pytester.runpytest()
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["2 checks (4 points) did not run: the data is missing (no coco_captioning in "
                                 "pkg/datasets): run `python -m gradekit data captions --dest pkg/datasets`"])


def test_without_data_dir_the_data_is_found_where_the_ini_says_gradekit_data_puts_it(pytester, autograder):
    """Only the datasets of the check's own notebook are needed (`other`'s MNIST is not there)."""
    pytester.makeini(INI)
    (pytester.path / "pkg" / "datasets" / "coco_captioning").mkdir(parents=True)
    autograder(f'''
        @pytest.mark.points(2)
        def test_overfits(data_dir):
            assert data_dir == {str(pytester.path / "pkg" / "datasets")!r}
        ''')
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_graders_run_keeps_pytests_tracebacks_and_its_summary(pytester, autograder):
    autograder(FAILING_CHECK)
    output = pytester.runpytest(run_spec(pytester, reference=str(pytester.path))).stdout.str()
    block = failures_section(output)
    assert "def test_loss_matches_the_expected_value" in block and "checks.py" in block
    assert "[3 points]" not in block
    assert "= gradekit: 0 / 3 points =" in output and "public" not in output


def test_an_explicit_tb_option_brings_pytests_tracebacks_back(pytester, autograder):
    autograder(FAILING_CHECK)
    block = failures_section(pytester.runpytest("--tb=short").stdout.str())
    assert "assert_close(loss" in block and "[3 points]" not in block
