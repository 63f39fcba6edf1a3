from cs231n.classifiers.k_nearest_neighbor import *  # noqa: F401,F403
from cs231n.classifiers.linear_classifier import *  # noqa: F401,F403
