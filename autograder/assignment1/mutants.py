"""Realistic bugs, each planted in the reference solution, and the checks that must catch them.

Instructor-only (not released). gradekit's tests grade every mutant and require that it loses
points on exactly the checks listed in `fails` and keeps every other point; `gradekit examples`
uses a few of them for the "partly wrong" example submission.
"""
KNN = "cs231n/classifiers/k_nearest_neighbor.py"
SVM = "cs231n/classifiers/linear_svm.py"
SOFTMAX = "cs231n/classifiers/softmax.py"
LINEAR = "cs231n/classifiers/linear_classifier.py"
NET = "cs231n/classifiers/neural_net.py"

MUTANTS = [
    dict(name="knn_no_loop_without_sqrt", file=KNN,
         find="dists = np.sqrt(np.maximum(sq_dists, 0.0))",
         replace="dists = np.maximum(sq_dists, 0.0)",
         fails=["public/test_knn.py::test_no_loop_distances_match_expected",
                "public/test_knn.py::test_distances_have_shape_num_test_by_num_train",  # values at edge shapes
                "hidden/test_knn.py::test_distances_match_the_reference_on_new_inputs"]),
    dict(name="knn_one_loop_without_clipping_or_sqrt", file=KNN,
         find="dists[i, :] = np.sqrt(np.maximum(sq_dists, 0.0))  # clip rounding below 0",
         replace="dists[i, :] = sq_dists",
         fails=["public/test_knn.py::test_one_loop_distances_match_expected",
                "public/test_knn.py::test_distances_have_shape_num_test_by_num_train",  # values at edge shapes
                "hidden/test_knn.py::test_distances_match_the_reference_on_new_inputs"]),
    dict(name="knn_ties_to_larger_label", file=KNN,
         find="y_pred[i] = np.argmax(np.bincount(closest_y))",
         replace="counts = np.bincount(closest_y)\n"
                 "            y_pred[i] = len(counts) - 1 - np.argmax(counts[::-1])",
         fails=["public/test_knn.py::test_predict_labels_breaks_ties_towards_the_smaller_label",
                "hidden/test_knn.py::test_predictions_match_the_reference"]),
    dict(name="svm_naive_missing_regularization_gradient", file=SVM,
         find="    dW /= num_train\n    dW += 2 * reg * W\n",
         replace="    dW /= num_train\n",
         fails=["public/test_svm.py::test_naive_gradient_matches_numeric_gradient[50.0]",
                "hidden/test_svm.py::test_loss_and_gradient_match_the_reference[naive]"]),
    dict(name="svm_naive_gradient_not_averaged", file=SVM,
         find="    dW /= num_train\n    dW += 2 * reg * W\n",
         replace="    dW += 2 * reg * W\n",
         fails=["public/test_svm.py::test_naive_gradient_matches_numeric_gradient[0.0]",
                "public/test_svm.py::test_naive_gradient_matches_numeric_gradient[50.0]",
                "hidden/test_svm.py::test_loss_and_gradient_match_the_reference[naive]"]),
    dict(name="svm_vectorized_margin_for_correct_class", file=SVM,
         find="    margins[rows, y] = 0                                # the correct class adds no margin\n",
         replace="",
         fails=["public/test_svm.py::test_vectorized_loss_matches_expected",
                "public/test_svm.py::test_vectorized_gradient_matches_expected",
                # the training's first loss must be about C - 1; this bug starts it at about C
                "public/test_svm.py::test_linear_svm_training_lowers_the_loss",
                "hidden/test_svm.py::test_loss_and_gradient_match_the_reference[vectorized]"]),
    dict(name="softmax_vectorized_without_max_shift", file=SOFTMAX,
         find="    scores -= np.max(scores, axis=1, keepdims=True)\n",
         replace="",
         fails=["public/test_softmax.py::test_large_scores_do_not_overflow[vectorized]"]),
    dict(name="softmax_naive_missing_regularization_gradient", file=SOFTMAX,
         find="dW = dW / num_train + 2 * reg * W",
         replace="dW = dW / num_train",
         fails=["public/test_softmax.py::test_gradient_matches_expected[naive]",
                "public/test_softmax.py::test_naive_gradient_matches_numeric_gradient",
                "hidden/test_softmax.py::test_loss_and_gradient_match_the_reference[naive]"]),
    dict(name="linear_classifier_gradient_ascent", file=LINEAR,
         find="self.W -= learning_rate * grad",
         replace="self.W += learning_rate * grad",
         fails=["public/test_svm.py::test_linear_svm_training_lowers_the_loss",
                "hidden/test_svm.py::test_best_svm_reaches_the_target_on_held_out_test_images",
                "hidden/test_softmax.py::test_best_softmax_reaches_the_target_on_held_out_test_images",
                "hidden/test_features.py::test_svm_on_features_reaches_the_target_on_held_out_test_images",
                # the features notebook then fails at its misclassified-examples cell, before saving
                "hidden/test_features.py::test_net_on_features_reaches_the_target_on_test",
                "public/test_features.py::test_saved_models_have_the_feature_shapes"]),
    dict(name="net_relu_mask_on_the_gradient", file=NET,
         find="dhidden[hidden <= 0] = 0",
         replace="dhidden[dhidden <= 0] = 0",
         fails=["public/test_two_layer_net.py::test_gradients_match_numeric_gradients",
                "public/test_two_layer_net.py::test_toy_training_reaches_loss_below_0_02",
                "hidden/test_two_layer_net.py::test_loss_and_gradients_match_the_reference_with_random_weights"]),
    dict(name="net_biases_regularized", file=NET,
         find="loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
         replace="loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(b1 * b1) + np.sum(b2 * b2))",
         fails=["hidden/test_two_layer_net.py::test_loss_and_gradients_match_the_reference_with_random_weights"]),
    dict(name="net_learning_rate_never_decayed", file=NET,
         find="learning_rate *= learning_rate_decay",
         replace="pass  # learning_rate *= learning_rate_decay",
         fails=["public/test_two_layer_net.py::test_learning_rate_decays_once_per_epoch"]),
    dict(name="net_loss_summed_not_averaged", file=NET,
         find="loss = -np.mean(log_probs[np.arange(N), y])",
         replace="loss = -np.sum(log_probs[np.arange(N), y])",
         fails=["public/test_two_layer_net.py::test_toy_loss_with_regularization_matches_expected",
                "public/test_two_layer_net.py::test_toy_training_reaches_loss_below_0_02",
                "public/test_two_layer_net.py::test_gradients_match_numeric_gradients",
                "hidden/test_two_layer_net.py::test_loss_and_gradients_match_the_reference_with_random_weights"]),
]

