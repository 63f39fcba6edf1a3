
# gkatk: compute_distances_two_loops never returns (the other methods are the reference's)
def _endless(self, X):
    while True:
        pass


KNearestNeighbor.compute_distances_two_loops = _endless
