"""The data wing: the course's datasets, fetched, verified and copied for grading.

- `datasets`: the registry table (each dataset's fetcher, folder and notebook parameter);
- `fetch`: the one checksum, download, extraction and staging code every fetcher uses;
- `unpickle`: the one restricted unpickler (numpy arrays only; no code from the file runs);
- `cifar10`, `captions`, `course_files` (assets, MNIST, the ImageNet sample), `squeezenet_weights`:
  one module a dataset (or set of course files);
- `student_data`: the graded copies without the held-out data (grader only; not in a release).
"""


class DataError(Exception):
    """The data cannot be used; the message names the file and what is wrong with it."""
