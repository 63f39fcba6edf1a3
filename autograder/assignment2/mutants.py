"""Realistic bugs, each planted in the reference solution, and the checks that must catch them.

Instructor-only (not released). gradekit's tests grade every mutant's function checks (the
checks that do not read a trained model; notebooks are not executed for them) and require that
it loses points on exactly the checks listed in `fails`.
"""
LAYERS = "cs231n/layers.py"
OPTIM = "cs231n/optim.py"
SOLVER = "cs231n/solver.py"
FC_NET = "cs231n/classifiers/fc_net.py"
FAST = "cs231n/fast_layers.py"

MUTANTS = [
    dict(name="batchnorm_backward_missing_the_mean_term", file=LAYERS,
         find="    dx = dcentred + dmean / N\n",
         replace="    dx = dcentred\n",
         fails=["hidden/test_batch_normalization.py::test_batchnorm_forward_and_backward_match_the_reference",
                "public/test_batch_normalization.py::test_batchnorm_backward_matches_numeric_gradients"]),
    dict(name="batchnorm_running_mean_with_swapped_momentum", file=LAYERS,
         find="        running_mean = momentum * running_mean + (1 - momentum) * sample_mean\n",
         replace="        running_mean = (1 - momentum) * running_mean + momentum * sample_mean\n",
         fails=["hidden/test_batch_normalization.py::test_fc_net_with_batchnorm_predicts_with_its_running_statistics",
                "public/test_batch_normalization.py::test_batchnorm_running_statistics_match_expected"]),
    dict(name="batchnorm_test_mode_uses_batch_statistics", file=LAYERS,
         find="out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
         replace="out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta",
         fails=["hidden/test_batch_normalization.py::test_fc_net_with_batchnorm_predicts_with_its_running_statistics",
                "public/test_batch_normalization.py::test_batchnorm_test_forward_uses_the_running_statistics"]),
    dict(name="dropout_without_inverse_scaling", file=LAYERS,
         find="mask = (np.random.rand(*x.shape) < p) / p",
         replace="mask = (np.random.rand(*x.shape) < p) * 1.0",
         fails=["public/test_dropout.py::test_dropout_train_forward_keeps_a_fraction_p_and_preserves_the_mean[0.25]",
                "public/test_dropout.py::test_dropout_train_forward_keeps_a_fraction_p_and_preserves_the_mean[0.4]",
                "public/test_dropout.py::test_dropout_train_forward_keeps_a_fraction_p_and_preserves_the_mean[0.7]"]),
    dict(name="dropout_active_at_test_time", file=LAYERS,
         find="        out = x\n",
         replace="        out = x * (np.random.rand(*x.shape) < dropout_param['p']) / dropout_param['p']\n",
         fails=["hidden/test_dropout.py::test_fc_net_does_not_drop_units_at_test_time",
                "public/test_dropout.py::test_dropout_test_forward_is_the_identity"]),
    dict(name="relu_backward_masks_by_the_gradient", file=LAYERS,
         find="dx = dout * (x > 0)",
         replace="dx = dout * (dout > 0)",
         fails=["hidden/test_fully_connected_nets.py::test_fc_net_loss_and_gradients_match_the_reference_with_random_weights",
                "public/test_batch_normalization.py::test_fc_net_with_normalization_gradients_match_numeric_gradients[batchnorm]",
                "public/test_batch_normalization.py::test_fc_net_with_normalization_gradients_match_numeric_gradients[layernorm]",
                "public/test_convolutional_networks.py::test_three_layer_convnet_gradients_match_numeric_gradients",
                "public/test_dropout.py::test_fc_net_with_dropout_gradients_match_numeric_gradients[0.75]",
                "public/test_dropout.py::test_fc_net_with_dropout_gradients_match_numeric_gradients[0.5]",
                "public/test_fully_connected_nets.py::test_relu_backward_matches_numeric_gradients",
                "public/test_fully_connected_nets.py::test_two_layer_net_gradients_match_numeric_gradients[0.0]",
                "public/test_fully_connected_nets.py::test_two_layer_net_gradients_match_numeric_gradients[0.7]",
                "public/test_fully_connected_nets.py::test_fc_net_gradients_match_numeric_gradients[0.0]",
                "public/test_fully_connected_nets.py::test_fc_net_gradients_match_numeric_gradients[3.14]",
                "public/test_fully_connected_nets.py::test_fc_net_overfits_fifty_examples[3]",
                "public/test_fully_connected_nets.py::test_fc_net_overfits_fifty_examples[5]"]),
    dict(name="affine_backward_dx_not_reshaped", file=LAYERS,
         find="dx = dout.dot(w.T).reshape(x.shape)",
         replace="dx = dout.dot(w.T)",
         fails=["public/test_convolutional_networks.py::test_three_layer_convnet_initial_loss_is_about_log_of_the_class_count",
                "public/test_convolutional_networks.py::test_three_layer_convnet_gradients_match_numeric_gradients",
                "public/test_fully_connected_nets.py::test_affine_backward_matches_numeric_gradients"]),
    dict(name="conv_output_size_off_by_one_with_stride", file=LAYERS,
         find="    H_out = 1 + (H + 2 * pad - HH) // stride\n    W_out = 1 + (W + 2 * pad - WW) // stride\n"
              "    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')\n"
              "    w_rows = w.reshape(F, -1)                               # (F, C*HH*WW)\n",
         replace="    H_out = (H + 2 * pad - HH) // stride\n    W_out = (W + 2 * pad - WW) // stride\n"
                 "    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')\n"
                 "    w_rows = w.reshape(F, -1)                               # (F, C*HH*WW)\n",
         fails=["hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[0]",
                "hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[1]",
                "hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[2]",
                "public/test_convolutional_networks.py::test_conv_forward_naive_matches_expected",
                "public/test_convolutional_networks.py::test_conv_backward_naive_matches_numeric_gradients"]),
    dict(name="conv_backward_db_summed_over_the_batch_only", file=LAYERS,
         find="db = dout.sum(axis=(0, 2, 3))",
         replace="db = dout.sum(axis=0).mean(axis=(1, 2))",
         fails=["hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[0]",
                "hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[1]",
                "hidden/test_convolutional_networks.py::test_conv_naive_matches_the_reference_on_random_shapes_strides_and_padding[2]",
                "public/test_convolutional_networks.py::test_conv_backward_naive_matches_numeric_gradients"]),
    dict(name="max_pool_backward_to_every_maximum", file=LAYERS,
         find="            k = np.argmax(window, axis=2)                   # the first maximum of each window\n"
              "            dx[n_idx, c_idx, hs + k // pw, ws + k % pw] += dout[:, :, i, j]\n",
         replace="            hit = window == window.max(axis=2, keepdims=True)\n"
                 "            dx[:, :, hs:hs + ph, ws:ws + pw] += (hit * dout[:, :, i, j][:, :, None]).reshape(N, C, ph, pw)\n",
         fails=["public/test_convolutional_networks.py::test_max_pool_backward_sends_each_window_gradient_once"]),
    dict(name="layernorm_normalizes_over_the_batch", file=LAYERS,
         find="    mean = x.mean(axis=1, keepdims=True)\n    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)\n",
         replace="    mean = x.mean(axis=0, keepdims=True)\n    std = np.sqrt(x.var(axis=0, keepdims=True) + eps)\n",
         fails=["hidden/test_batch_normalization.py::test_layernorm_forward_and_backward_match_the_reference",
                "public/test_batch_normalization.py::test_layernorm_forward_matches_expected",
                "public/test_batch_normalization.py::test_layernorm_backward_matches_numeric_gradients",
                "public/test_batch_normalization.py::test_fc_net_with_normalization_gradients_match_numeric_gradients[layernorm]"]),
    dict(name="groupnorm_statistics_over_all_channels", file=LAYERS,
         find="    xg = x.reshape(N, G, -1)\n    mean = xg.mean(axis=2, keepdims=True)\n",
         replace="    xg = x.reshape(N, G, -1)\n    mean = x.reshape(N, 1, -1).mean(axis=2, keepdims=True)\n",
         fails=["public/test_convolutional_networks.py::test_spatial_groupnorm_forward_normalizes_each_group_of_each_sample",
                "public/test_convolutional_networks.py::test_spatial_groupnorm_backward_matches_numeric_gradients"]),
    dict(name="adam_without_bias_correction", file=OPTIM,
         find="    m_hat = config['m'] / (1 - beta1 ** t)\n    v_hat = config['v'] / (1 - beta2 ** t)\n",
         replace="    m_hat = config['m']\n    v_hat = config['v']\n",
         fails=["public/test_fully_connected_nets.py::test_adam_matches_expected"]),
    dict(name="sgd_momentum_adds_the_gradient", file=OPTIM,
         find="v = config['momentum'] * v - config['learning_rate'] * dw",
         replace="v = config['momentum'] * v + config['learning_rate'] * dw",
         fails=["public/test_fully_connected_nets.py::test_sgd_momentum_matches_expected"]),
    dict(name="rmsprop_without_the_square_root", file=OPTIM,
         find="next_w = w - config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])",
         replace="next_w = w - config['learning_rate'] * dw / (config['cache'] + config['epsilon'])",
         fails=["public/test_fully_connected_nets.py::test_rmsprop_matches_expected"]),
    dict(name="solver_never_restores_the_best_params", file=SOLVER,
         find="        self.model.params = self.best_params\n",
         replace="",
         fails=["public/test_fully_connected_nets.py::test_solver_keeps_the_parameters_with_the_best_validation_accuracy"]),
    dict(name="fc_net_regularizes_biases", file=FC_NET,
         find="            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n"
              "            grads['W%d' % i] += self.reg * W\n",
         replace="            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n"
                 "            grads['W%d' % i] += self.reg * W\n"
                 "            b = self.params['b%d' % i]\n            loss += 0.5 * self.reg * np.sum(b * b)\n"
                 "            grads['b%d' % i] += self.reg * b\n",
         fails=["hidden/test_fully_connected_nets.py::test_fc_net_loss_and_gradients_match_the_reference_with_random_weights",
                "public/test_fully_connected_nets.py::test_fc_net_loss_with_regularization_matches_expected"]),
    dict(name="col2im_drops_overlapping_contributions", file=FAST,
         find="            dx[:, :, rows_in, cols_in] += dx_cols[:, i, j, :, rows_out, cols_out]",
         replace="            dx[:, :, rows_in, cols_in] = dx_cols[:, i, j, :, rows_out, cols_out]",
         fails=["public/test_convolutional_networks.py::test_fast_conv_backward_matches_numeric_gradients"]),
]

