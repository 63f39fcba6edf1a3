"""The classifiers, each imported on first use, so a notebook loads only the modules it needs."""
import importlib

_HOMES = {
    "KNearestNeighbor": "k_nearest_neighbor",
    "LinearClassifier": "linear_classifier",
    "LinearSVM": "linear_classifier",
    "Softmax": "linear_classifier",
}
__all__ = sorted(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
