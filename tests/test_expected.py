"""Regenerating the public expected values rewrites a file only when a value really moved."""
import numpy as np
import pytest

from gradekit.authoring import expected

pytestmark = pytest.mark.unit

rng = np.random.default_rng(7)
STORED = {"dists": rng.normal(size=(20, 30)), "labels": np.arange(5), "saliency": rng.random((2, 16, 16))}


def computed(**changes):
    values = {name: value.copy() for name, value in STORED.items()}
    values.update(changes)
    return values


def test_the_same_values_are_unchanged():
    assert expected.unchanged(STORED, computed())


def test_values_that_differ_in_the_last_bits_are_unchanged():
    assert expected.unchanged(STORED, computed(dists=STORED["dists"] * (1 + 2e-15)))


def test_an_entry_near_zero_that_moved_by_rounding_is_unchanged():
    dists = STORED["dists"].copy()
    dists[0, 0] = 1e-17
    assert expected.unchanged(computed(dists=dists), computed(dists=dists * 0 + dists + (dists == 1e-17) * 3e-17))


def test_a_few_pixels_of_a_map_moved_by_a_broken_tie_are_unchanged():
    saliency = STORED["saliency"].copy()
    saliency[1, 3, 4:6] = saliency[1, 3, 5:3:-1]  # two neighbours swap their values
    assert expected.unchanged(STORED, computed(saliency=saliency))


def test_a_value_that_moved_by_a_thousandth_is_changed():
    assert not expected.unchanged(STORED, computed(dists=STORED["dists"] * 1.001))


def test_a_map_that_moved_everywhere_is_changed():
    assert not expected.unchanged(STORED, computed(saliency=STORED["saliency"] * 1.01))


def test_another_integer_value_is_changed():
    assert not expected.unchanged(STORED, computed(labels=np.array([0, 1, 2, 3, 5])))


@pytest.mark.parametrize("change", [{"dists": np.zeros((20, 31))}, {"labels": np.arange(5.0)}, {"extra": np.ones(1)}])
def test_another_shape_dtype_or_name_is_changed(change):
    assert not expected.unchanged(STORED, computed(**change))


def test_a_value_that_turned_nan_is_changed():
    dists = STORED["dists"].copy()
    dists[3, 3] = np.nan
    assert not expected.unchanged(STORED, computed(dists=dists))


def test_an_unchanged_file_is_not_rewritten_and_a_changed_one_is(tmp_path, monkeypatch):
    assignment = type("A", (), {"public_tests": str(tmp_path)})()
    values = {"knn": computed()}
    monkeypatch.setattr(expected, "compute", lambda _: values)
    assert expected.write(assignment) == [str(tmp_path / "expected" / "knn.npz")]
    before = (tmp_path / "expected" / "knn.npz").read_bytes()
    values["knn"] = computed(dists=STORED["dists"] * (1 + 1e-12))
    assert expected.write(assignment) == [] and (tmp_path / "expected" / "knn.npz").read_bytes() == before
    values["knn"] = computed(dists=STORED["dists"] + 1)
    assert expected.write(assignment) == [str(tmp_path / "expected" / "knn.npz")]
