"""What feedback may show a student of each check (gradekit.disclosure)."""
import pytest

from gradekit import disclosure

pytestmark = pytest.mark.unit

SECRET = "dW differs from the reference at input seed 4242: 0.123456 vs 0.654321"


def check(id_, status="failed", message=SECRET, **more):
    return dict(id=id_, notebook="svm", points=2.0, name=id_.split("::")[-1], earned=0.0, status=status,
                message=message, **more)


PUBLIC = check("public/test_svm.py::test_loss_matches_expected")
HIDDEN = check("hidden/test_svm.py::test_loss_matches_the_reference_on_new_inputs")


@pytest.mark.parametrize("mode", disclosure.HIDDEN_MODES)
def test_a_public_check_is_shown_whole_in_every_mode(mode):
    assert disclosure.shown(PUBLIC, mode)["message"] == SECRET


def test_a_hidden_checks_message_is_summarised_by_default():
    shown = disclosure.shown(HIDDEN)
    assert shown["message"] == disclosure.SUMMARY and "4242" not in str(shown["message"])
    assert shown["title"] == "Loss matches the reference on new inputs" and shown["points"] == 2.0


def test_a_hidden_check_that_did_not_run_says_why():
    test = check(HIDDEN["id"], status="error", message="did not run: the checks' time budget (1800 s) ran out")
    assert disclosure.shown(test, "summary")["message"] == test["message"]


def test_a_hidden_checks_measured_values_are_its_summary():
    test = check("hidden/test_svm.py::test_best_svm_reaches_the_target_on_val",
                 measured=[{"what": "best_svm: validation accuracy", "value": 0.3081234, "target": 0.37}])
    assert disclosure.shown(test)["message"] == ("best_svm: validation accuracy: 0.3081 measured by the grader, "
                                                 "target 0.37")


def test_a_passed_hidden_check_has_no_message():
    assert disclosure.shown(check(HIDDEN["id"], status="passed", message=""))["message"] == ""


def test_full_shows_a_hidden_check_whole():
    assert disclosure.shown(HIDDEN, "full")["message"] == SECRET


def test_none_does_not_show_a_hidden_check():
    assert disclosure.shown(HIDDEN, "none") is None


@pytest.mark.parametrize("test", [PUBLIC, HIDDEN])
def test_an_unknown_mode_is_refused_for_any_check(test):
    with pytest.raises(ValueError, match="--feedback hidden=all: choose one of summary, full, none"):
        disclosure.shown(test, "all")


def test_a_title_is_the_checks_name_as_a_sentence():
    assert disclosure.title(HIDDEN) == "Loss matches the reference on new inputs"


def test_a_parametrized_checks_title_keeps_its_case_so_that_no_two_read_alike():
    naive, vectorized = (check(f"hidden/test_svm.py::test_loss_matches_the_reference[{case}]")
                         for case in ("naive", "vectorized"))
    assert disclosure.title(naive) == "Loss matches the reference (naive)"
    assert disclosure.title(vectorized) == "Loss matches the reference (vectorized)"


def test_a_hidden_checks_message_about_a_file_the_notebook_saved_is_shown():
    test = check(HIDDEN["id"], message="artifacts/knn.npz was not saved: knn.ipynb cell 10 (`x`) raised ValueError")
    assert disclosure.shown(test)["message"] == test["message"]
