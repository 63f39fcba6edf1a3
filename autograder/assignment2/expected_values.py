"""Inputs and expected outputs of the public checks, computed from the reference solution.

`gradekit release` stores each notebook's values as public/expected/<notebook>.npz (shipped to
students). Inputs are the course notebooks' deterministic ones (spec §3.8-§3.11).
"""
import numpy as np

L = "cs231n.layers."
OPTIM = "cs231n.optim."
TWO_LAYER = "cs231n.classifiers.fc_net.TwoLayerNet"
FC_NET = "cs231n.classifiers.fc_net.FullyConnectedNet"
CNN = "cs231n.classifiers.cnn.ThreeLayerConvNet"
SOLVER = "cs231n.solver.Solver"


def grid(low, high, shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


def two_layer_case():
    """The notebook's TwoLayerNet check: N, D, H, C = 3, 5, 50, 7 with linspace weights."""
    N, D, H, C = 3, 5, 50, 7
    params = dict(W1=grid(-0.7, 0.3, (D, H)), b1=np.linspace(-0.1, 0.9, num=H),
                  W2=grid(-0.3, 0.4, (H, C)), b2=np.linspace(-0.9, 0.1, num=C))
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return params, X, np.asarray([0, 5, 1])


def layer_case(reference, prefix, forward, args, dout, **params):
    """A layer gradient check's inputs (`args`, the arrays only, as {prefix}x, ...: the names
    given in `params` order, e.g. x, w, b), its `dout` and the forward's output at them ({prefix}out)."""
    out = reference.call(L + forward, *args, pick=0)
    return {**{prefix + name: value for name, value in params.items()}, prefix + "dout": dout, prefix + "out": out}


def model_case(reference, prefix, net, rng, X_shape, classes, N, regs=None):
    """A model gradient check's inputs: the reference `net`'s initial params each moved by
    0.1 * rng.normal (in the net's order) as {prefix}param_<name>, then X and y from `rng`, and
    the loss at them ({prefix}loss, or {prefix}loss_reg<reg> for each reg of `regs`)."""
    net.params = {k: v + 0.1 * rng.normal(size=v.shape) for k, v in net.params.items()}
    X, y = rng.normal(size=X_shape), rng.integers(0, classes, size=N)
    values = {**{f"{prefix}param_{k}": v for k, v in net.params.items()}, prefix + "X": X, prefix + "y": y}
    if regs is None:
        return {**values, prefix + "loss": net.loss(X, y)[0]}
    for reg in regs:
        net.reg = reg
        values[f"{prefix}loss_reg{reg:g}"] = net.loss(X, y)[0]
    return values


def update_rule_inputs():
    N, D = 4, 5
    return grid(-0.4, 0.6, (N, D)), grid(-0.6, 0.4, (N, D)), grid(0.6, 0.9, (N, D))


def FullyConnectedNets(reference):
    x, w, b = grid(-0.1, 0.5, (2, 4, 5, 6)), grid(-0.2, 0.3, (120, 3)), np.linspace(-0.3, 0.1, num=3)
    relu_x = grid(-0.5, 0.5, (3, 4))
    params, X, y = two_layer_case()
    net = reference.new(TWO_LAYER, input_dim=5, hidden_dim=50, num_classes=7)
    net.params = {k: v.copy() for k, v in params.items()}
    scores = net.loss(X)
    loss, _ = net.loss(X, y)
    net.reg = 1.0
    reg_loss, _ = net.loss(X, y)
    w_rule, dw, v = update_rule_inputs()
    momentum_w, momentum = reference.call(OPTIM + "sgd_momentum", w_rule, dw, {"learning_rate": 1e-3, "velocity": v})
    rms_w, rms = reference.call(OPTIM + "rmsprop", w_rule, dw, {"learning_rate": 1e-2, "cache": v})
    adam_m, adam_v = grid(0.6, 0.9, (4, 5)), grid(0.7, 0.5, (4, 5))
    adam_w, adam = reference.call(OPTIM + "adam", w_rule, dw, {"learning_rate": 1e-2, "m": adam_m, "v": adam_v, "t": 5})
    fc = fc_net_case(reference)
    return dict(
        **fc, **gradient_cases(reference), **training_cases(reference),
        affine_x=x, affine_w=w, affine_b=b, affine_out=reference.call(L + "affine_forward", x, w, b, pick=0),
        relu_x=relu_x, relu_out=reference.call(L + "relu_forward", relu_x, pick=0),
        net_X=X, net_y=y, net_scores=scores, net_loss=loss, net_reg_loss=reg_loss,
        **{f"net_{k}": v for k, v in params.items()},
        rule_w=w_rule, rule_dw=dw, rule_v=v, adam_m=adam_m, adam_v=adam_v,
        momentum_next_w=momentum_w, momentum_velocity=momentum["velocity"],
        rmsprop_next_w=rms_w, rmsprop_cache=rms["cache"],
        adam_next_w=adam_w, adam_next_m=adam["m"], adam_next_v=adam["v"], adam_t=adam["t"],
    )


def gradient_cases(reference):
    """The FullyConnectedNets gradient checks' inputs and the values of their functions there."""
    rng = np.random.default_rng(231)
    x, w, b = rng.normal(size=(10, 2, 3)), rng.normal(size=(6, 5)), rng.normal(size=5)
    affine = layer_case(reference, "affine_grad_", "affine_forward", [x, w, b], rng.normal(size=(10, 5)), x=x, w=w, b=b)
    rng = np.random.default_rng(232)
    x = rng.normal(size=(10, 10))
    x[np.abs(x) < 1e-3] = 0.5  # keep every input away from the kink
    relu = layer_case(reference, "relu_grad_", "relu_forward", [x], rng.normal(size=(10, 10)), x=x)
    two_layer = reference.new(TWO_LAYER, input_dim=5, hidden_dim=6, num_classes=4, weight_scale=1e-1, seed=1)
    two_layer = model_case(reference, "two_layer_grad_", two_layer, np.random.default_rng(233), (3, 5), 4, 3,
                           regs=(0.0, 0.7))
    fc = reference.new(FC_NET, [5, 4], input_dim=6, num_classes=3, weight_scale=5e-1, dtype=np.float64, seed=1)
    fc = model_case(reference, "fc_grad_", fc, np.random.default_rng(235), (4, 6), 3, 4, regs=(0.0, 3.14))
    return {**affine, **relu, **two_layer, **fc}


def overfit_data():
    """The 50 fixed examples (3x8x8, 10 classes) that the overfitting checks train on."""
    rng = np.random.default_rng(236)
    return rng.normal(size=(50, 3, 8, 8)), rng.integers(0, 10, size=50)


OVERFIT = {3: ([100, 100], 2e-1, 3e-2), 5: ([100] * 4, 2e-1, 3e-2)}
"""Hidden dims, weight scale and learning rate of the overfitting checks, by depth."""


def training_cases(reference):
    """The overfitting checks' data and settings, and the reference's first Solver loss in each
    (same data, seeds and settings)."""
    X, y = overfit_data()
    values = dict(overfit_X=X, overfit_y=y)
    for depth, (hidden_dims, weight_scale, learning_rate) in OVERFIT.items():
        values.update({f"overfit_depth{depth}_hidden_dims": np.array(hidden_dims),
                       f"overfit_depth{depth}_weight_scale": weight_scale,
                       f"overfit_depth{depth}_learning_rate": learning_rate})
        model = reference.new(FC_NET, hidden_dims, input_dim=3 * 8 * 8, weight_scale=weight_scale,
                              dtype=np.float64, seed=0)
        solver = reference.new(SOLVER, model, dict(X_train=X, y_train=y, X_val=X, y_val=y), num_epochs=1,
                               batch_size=25, update_rule="sgd", optim_config={"learning_rate": learning_rate},
                               print_every=1000, verbose=False, seed=0)
        solver.train()
        values[f"overfit_depth{depth}_first_loss"] = solver.loss_history[0]
    return values


def fc_net_case(reference):
    """A small FullyConnectedNet with random (nonzero) weights and biases, its loss with reg 3.14."""
    rng = np.random.default_rng(2)
    net = reference.new("cs231n.classifiers.fc_net.FullyConnectedNet", [5, 4], input_dim=6, num_classes=3,
                        reg=3.14, dtype=np.float64)
    net.params = {k: rng.normal(size=v.shape) for k, v in net.params.items()}
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 3, size=4)
    loss, _ = net.loss(X, y)
    return dict(fc_X=X, fc_y=y, fc_loss=loss, **{f"fc_{k}": v for k, v in net.params.items()})


def bn_case(reference, prefix, forward, seed, param):
    """The notebook's backward-check input: x = 5 randn + 12, random gamma, beta and dout, and
    `forward`'s output at them (with `param`: {"mode": "train"} or {})."""
    rng = np.random.default_rng(seed)
    x, gamma, beta = 5 * rng.normal(size=(4, 5)) + 12, rng.normal(size=5), rng.normal(size=5)
    dout = rng.normal(size=(4, 5))
    return layer_case(reference, prefix, forward, [x, gamma, beta, param], dout, x=x, gamma=gamma, beta=beta)


def BatchNormalization(reference):
    """Running statistics after three training passes, then a test-mode pass; the gradient
    checks' inputs and the values of their functions there."""
    gradients = {**bn_case(reference, "bn_grad_", "batchnorm_forward", 231, {"mode": "train"}),
                 **bn_case(reference, "bn_alt_grad_", "batchnorm_forward", 232, {"mode": "train"}),
                 **bn_case(reference, "ln_grad_", "layernorm_forward", 233, {})}
    for normalization in ("batchnorm", "layernorm"):
        net = reference.new(FC_NET, [5, 4], input_dim=6, num_classes=3, reg=3.14, weight_scale=5e-1,
                            normalization=normalization, dtype=np.float64, seed=1)
        gradients.update(model_case(reference, f"{normalization}_net_grad_", net, np.random.default_rng(234),
                                    (5, 6), 3, 5))
    rng = np.random.default_rng(231)
    batches = [rng.normal(size=(8, 4)) * 3 + 5 for _ in range(3)]
    gamma, beta = np.array([1.0, 2.0, 3.0, 0.5]), np.array([0.0, -1.0, 1.0, 2.0])
    bn_param = {"mode": "train", "momentum": 0.8}
    for batch in batches:
        reference.call(L + "batchnorm_forward", batch, gamma, beta, bn_param, pick=0)
    test_x = rng.normal(size=(6, 4)) * 3 + 5
    bn_param["mode"] = "test"
    test_out = reference.call(L + "batchnorm_forward", test_x, gamma, beta, bn_param, pick=0)
    ln_x = rng.normal(size=(5, 7)) * 2 - 1
    ln_gamma, ln_beta = rng.normal(size=7), rng.normal(size=7)
    ln_out = reference.call(L + "layernorm_forward", ln_x, ln_gamma, ln_beta, {}, pick=0)
    return dict(**gradients, bn_batches=np.stack(batches), bn_gamma=gamma, bn_beta=beta,
                bn_running_mean=bn_param["running_mean"], bn_running_var=bn_param["running_var"],
                bn_test_x=test_x, bn_test_out=test_out,
                ln_x=ln_x, ln_gamma=ln_gamma, ln_beta=ln_beta, ln_out=ln_out)


def Dropout(reference):
    """The gradient checks' inputs; the FullyConnectedNet's test-time scores there (the train-time
    values depend on how a dropout mask is drawn, which the course leaves to the student)."""
    rng = np.random.default_rng(233)
    values = dict(dropout_grad_x=rng.normal(size=(10, 10)) + 10, dropout_grad_dout=rng.normal(size=(10, 10)))
    net = reference.new(FC_NET, [5, 4], input_dim=6, num_classes=3, weight_scale=5e-1, dtype=np.float64,
                        dropout=0.5, seed=1)
    values.update(model_case(reference, "dropout_net_grad_", net, np.random.default_rng(234), (4, 6), 3, 4))
    del values["dropout_net_grad_loss"]
    values["dropout_net_grad_scores"] = net.loss(values["dropout_net_grad_X"])
    return values


POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def conv_gradient_cases(reference):
    """The ConvolutionalNetworks gradient checks' inputs and the values of their functions there."""
    rng = np.random.default_rng(231)
    x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    values = layer_case(reference, "conv_grad_", "conv_forward_naive", [x, w, b, {"stride": 1, "pad": 1}],
                        rng.normal(size=(2, 2, 5, 5)), x=x, w=w, b=b)
    rng = np.random.default_rng(232)
    x = rng.permutation(3 * 2 * 8 * 8).reshape(3, 2, 8, 8) / 10.0  # distinct values: no ties
    values.update(layer_case(reference, "pool_grad_", "max_pool_forward_naive", [x, POOL],
                             rng.normal(size=(3, 2, 4, 4)), x=x))
    rng = np.random.default_rng(234)
    x, gamma, beta = 5 * rng.normal(size=(2, 3, 4, 5)) + 12, rng.normal(size=3), rng.normal(size=3)
    values.update(layer_case(reference, "sbn_grad_", "spatial_batchnorm_forward", [x, gamma, beta, {"mode": "train"}],
                             rng.normal(size=x.shape), x=x, gamma=gamma, beta=beta))
    rng = np.random.default_rng(236)
    x = 5 * rng.normal(size=(2, 6, 4, 5)) + 12
    gamma, beta = rng.normal(size=(1, 6, 1, 1)), rng.normal(size=(1, 6, 1, 1))
    values.update(layer_case(reference, "sgn_grad_", "spatial_groupnorm_forward", [x, gamma, beta, 2, {}],
                             rng.normal(size=x.shape), x=x, gamma=gamma, beta=beta))
    model = reference.new(CNN, input_dim=(3, 6, 6), num_filters=3, filter_size=3, hidden_dim=5, reg=0.5,
                          weight_scale=1e-1, dtype=np.float64, seed=0)
    values.update(model_case(reference, "cnn_grad_", model, np.random.default_rng(238), (2, 3, 6, 6), 10, 2))
    return values


def ConvolutionalNetworks(reference):
    x, w, b = grid(-0.1, 0.5, (2, 3, 4, 4)), grid(-0.2, 0.3, (3, 3, 4, 4)), np.linspace(-0.1, 0.2, num=3)
    pool_x = grid(-0.3, 0.4, (2, 3, 4, 4))
    return dict(
        **conv_gradient_cases(reference),
        conv_x=x, conv_w=w, conv_b=b,
        conv_out=reference.call(L + "conv_forward_naive", x, w, b, {"stride": 2, "pad": 1}, pick=0),
        pool_x=pool_x,
        pool_out=reference.call(L + "max_pool_forward_naive", pool_x,
                                {"pool_width": 2, "pool_height": 2, "stride": 2}, pick=0),
    )


def PyTorch(reference):
    """Scores of three_layer_convnet on 2 float64 images of 3x8x8 (4 then 5 filters), and the
    parameter counts of the course's Module and Sequential ConvNets."""
    import torch

    rng = np.random.default_rng(231)
    shapes = dict(conv_w1=(4, 3, 5, 5), conv_b1=(4,), conv_w2=(5, 4, 3, 3), conv_b2=(5,),
                  fc_w=(5 * 8 * 8, 10), fc_b=(10,))
    params = {name: rng.normal(scale=0.3, size=shape) for name, shape in shapes.items()}
    x = rng.normal(size=(2, 3, 8, 8))
    scores = reference.call("cs231n.torch_nets.three_layer_convnet", torch.from_numpy(x),
                            [torch.from_numpy(p) for p in params.values()])
    count = "gradekit.autograde.torch_ops.count_params"
    module = reference.call("cs231n.torch_nets.ThreeLayerConvNet", 3, 12, 8, 10)
    sequential = reference.call("cs231n.torch_nets.sequential_three_layer_convnet", 3, 32, 16, 10)
    return dict(x=x, scores=scores.detach().numpy(), **params,
                module_params=reference.call(count, module), sequential_params=reference.call(count, sequential))
