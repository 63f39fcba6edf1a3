"""What feedback may show a student of each check: all of a public check; of a hidden one what the
instructor chooses (`gradekit grade --feedback hidden=summary|full|none`). Every writer of
feedback (feedback.html, Gradescope's results) asks here, so that none reveals more than another."""
import re

HIDDEN_MODES = ("summary", "full", "none")
SUMMARY = "failed on the grader's hidden inputs (the inputs and the reference's values are not shown)"


def is_hidden(test):
    """Whether the check is a hidden one (it never ships to students)."""
    return test["id"].startswith("hidden/")


def title(test):
    """The check's name as a sentence: `test_best_k_reaches_the_target` -> "Best k reaches the target";
    a parametrized one keeps its case, `test_loss_matches[naive]` -> "Loss matches (naive)", so
    that no two checks read alike."""
    name = test.get("name") or test["id"].split("::")[-1]
    case = re.search(r"\[(.*)\]$", name)
    words = name[:case.start()] if case else name
    words = words.removeprefix("test_").replace("_", " ").strip()
    return words[:1].upper() + words[1:] + (f" ({case.group(1)})" if case else "")


def option_mode(text):
    """The MODE of a `--feedback hidden=MODE` option; ValueError in one line for anything else."""
    key, _, mode = text.partition("=")
    if key != "hidden" or mode not in HIDDEN_MODES:
        raise ValueError(f"--feedback {text}: write hidden=MODE, MODE one of {', '.join(HIDDEN_MODES)}")
    return mode


def checked_mode(hidden):
    """`hidden` if it is one of HIDDEN_MODES, else ValueError saying which ones there are."""
    if hidden not in HIDDEN_MODES:
        raise ValueError(f"--feedback hidden={hidden}: choose one of {', '.join(HIDDEN_MODES)}")
    return hidden


def shown(test, hidden="summary"):
    """The check as a student may see it (with its `title`), or None if it is not shown at all (a
    hidden check under `none`; its points still count in the totals)."""
    if checked_mode(hidden) == "full" or not is_hidden(test):
        return dict(test, title=title(test))
    if hidden == "none":
        return None
    return dict(test, title=title(test), message=summary_message(test))


def summary_message(test):
    """A hidden check's message without its inputs or reference values: why it did not run (that
    is about the notebook or the time budget), what is wrong with a file the notebook saved
    (`artifacts/...`: missing, unreadable, lacking arrays), or what the grader measured against
    the target."""
    if test["status"] == "passed":
        return ""
    if test["message"].startswith(("did not run", "artifacts/")):
        return test["message"]
    measured = [f"{m['what']}: {m['value']:.4g} measured by the grader, target {m['target']:g}"
                for m in test.get("measured", [])]
    return "; ".join(measured) or SUMMARY
