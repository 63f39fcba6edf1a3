"""A k-nearest-neighbour classifier with L2 (Euclidean) distance."""
import numpy as np


class KNearestNeighbor(object):
    """ a kNN classifier with L2 distance """

    def __init__(self):
        pass

    def train(self, X, y):
        """
        Train the classifier. For k-nearest neighbors this is just
        memorizing the training data.

        Inputs:
        - X: A numpy array of shape (num_train, D) containing the training data
          consisting of num_train samples each of dimension D.
        - y: A numpy array of shape (N,) containing the training labels, where
             y[i] is the label for X[i].
        """
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """
        Predict labels for test data using this classifier.

        Inputs:
        - X: A numpy array of shape (num_test, D) containing test data consisting
             of num_test samples each of dimension D.
        - k: The number of nearest neighbors that vote for the predicted labels.
        - num_loops: Determines which implementation to use to compute distances
          between training points and testing points.

        Returns:
        - y: A numpy array of shape (num_test,) containing predicted labels for the
          test data, where y[i] is the predicted label for the test point X[i].
        """
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError('Invalid value %d for num_loops' % num_loops)

        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using a nested loop over both the training data and the
        test data.

        Inputs:
        - X: A numpy array of shape (num_test, D) containing test data.

        Returns:
        - dists: A numpy array of shape (num_test, num_train) where dists[i, j]
          is the Euclidean distance between the ith test point and the jth training
          point.
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                #####################################################################
                # TODO:                                                             #
                # Compute the l2 distance between the ith test point and the jth    #
                # training point, and store the result in dists[i, j]. You should   #
                # not use a loop over dimension, nor use np.linalg.norm().          #
                #####################################################################
                ### BEGIN SOLUTION: compute the L2 distance between the ith test point and the jth training point into dists[i, j], without a loop over dimensions
                diff = X[i] - self.X_train[j]
                dists[i, j] = np.sqrt(diff.dot(diff))  # dot: the sum of squares in one call
                ### END SOLUTION
        return dists

    def compute_distances_one_loop(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using a single loop over the test data.

        Input / Output: Same as compute_distances_two_loops
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            #######################################################################
            # TODO:                                                               #
            # Compute the l2 distance between the ith test point and all training #
            # points, and store the result in dists[i, :].                        #
            # Do not use np.linalg.norm().                                        #
            #######################################################################
            ### BEGIN SOLUTION: compute the L2 distances between the ith test point and all training points into dists[i, :]
            # ||t - x||^2 = ||t||^2 - 2 t.x + ||x||^2 for all training rows t at once: this only
            # reads X_train, where X_train - X[i] would write a (num_train, D) array per test point.
            train_sq = np.einsum('ij,ij->i', self.X_train, self.X_train)  # row-wise sums of squares
            sq_dists = train_sq - 2.0 * self.X_train.dot(X[i]) + X[i].dot(X[i])
            dists[i, :] = np.sqrt(np.maximum(sq_dists, 0.0))  # clip rounding below 0
            ### END SOLUTION
        return dists

    def compute_distances_no_loops(self, X):
        """
        Compute the distance between each test point in X and each training point
        in self.X_train using no explicit loops.

        Input / Output: Same as compute_distances_two_loops
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        #########################################################################
        # TODO:                                                                 #
        # Compute the l2 distance between all test points and all training      #
        # points without using any explicit loops, and store the result in      #
        # dists.                                                                #
        #                                                                       #
        # You should implement this function using only basic array operations; #
        # in particular you should not use functions from scipy,                #
        # nor use np.linalg.norm().                                             #
        #                                                                       #
        # HINT: Try to formulate the l2 distance using matrix multiplication    #
        #       and two broadcast sums.                                         #
        #########################################################################
        ### BEGIN SOLUTION: compute all L2 distances into dists with no loops (hint: ||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t)
        # ||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t, one matrix product for all pairs.
        test_sq = np.sum(np.square(X), axis=1)[:, np.newaxis]          # (num_test, 1)
        train_sq = np.sum(np.square(self.X_train), axis=1)[np.newaxis]  # (1, num_train)
        sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)
        # Rounding can leave tiny negative values where the true distance is 0.
        dists = np.sqrt(np.maximum(sq_dists, 0.0))
        ### END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """
        Given a matrix of distances between test points and training points,
        predict a label for each test point.

        Inputs:
        - dists: A numpy array of shape (num_test, num_train) where dists[i, j]
          gives the distance betwen the ith test point and the jth training point.

        Returns:
        - y: A numpy array of shape (num_test,) containing predicted labels for the
          test data, where y[i] is the predicted label for the test point X[i].
        """
        num_test = dists.shape[0]
        y_pred = np.zeros(num_test)
        for i in range(num_test):
            # A list of length k storing the labels of the k nearest neighbors to
            # the ith test point.
            closest_y = []
            #########################################################################
            # TODO:                                                                 #
            # Use the distance matrix to find the k nearest neighbors of the ith    #
            # testing point, and use self.y_train to find the labels of these       #
            # neighbors. Store these labels in closest_y.                           #
            # Hint: Look up the function numpy.argsort.                             #
            #########################################################################
            ### BEGIN SOLUTION: store in closest_y the labels of the k training points nearest to the ith test point (hint: np.argsort)
            nearest = np.argsort(dists[i])[:k]
            closest_y = self.y_train[nearest]
            ### END SOLUTION
            #########################################################################
            # TODO:                                                                 #
            # Now that you have found the labels of the k nearest neighbors, you    #
            # need to find the most common label in the list closest_y of labels.   #
            # Store this label in y_pred[i]. Break ties by choosing the smaller     #
            # label.                                                                #
            #########################################################################
            ### BEGIN SOLUTION: store in y_pred[i] the most common label in closest_y, breaking ties by choosing the smaller label
            # argmax returns the first maximum, i.e. the smallest of the tied labels.
            y_pred[i] = np.argmax(np.bincount(closest_y))
            ### END SOLUTION

        return y_pred
