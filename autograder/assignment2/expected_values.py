"""Inputs and expected outputs of the public checks, computed from the reference solution.

`gradekit release` stores each notebook's values as public/expected/<notebook>.npz (shipped to
students). Inputs are the course notebooks' deterministic ones (spec §3.8-§3.11).
"""
import numpy as np

L = "cs231n.layers."
OPTIM = "cs231n.optim."
TWO_LAYER = "cs231n.classifiers.fc_net.TwoLayerNet"


def grid(low, high, shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


def two_layer_case():
    """The notebook's TwoLayerNet check: N, D, H, C = 3, 5, 50, 7 with linspace weights."""
    N, D, H, C = 3, 5, 50, 7
    params = dict(W1=grid(-0.7, 0.3, (D, H)), b1=np.linspace(-0.1, 0.9, num=H),
                  W2=grid(-0.3, 0.4, (H, C)), b2=np.linspace(-0.9, 0.1, num=C))
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return params, X, np.asarray([0, 5, 1])


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
        **fc,
        affine_x=x, affine_w=w, affine_b=b, affine_out=reference.call(L + "affine_forward", x, w, b, pick=0),
        relu_x=relu_x, relu_out=reference.call(L + "relu_forward", relu_x, pick=0),
        net_X=X, net_y=y, net_scores=scores, net_loss=loss, net_reg_loss=reg_loss,
        **{f"net_{k}": v for k, v in params.items()},
        rule_w=w_rule, rule_dw=dw, rule_v=v, adam_m=adam_m, adam_v=adam_v,
        momentum_next_w=momentum_w, momentum_velocity=momentum["velocity"],
        rmsprop_next_w=rms_w, rmsprop_cache=rms["cache"],
        adam_next_w=adam_w, adam_next_m=adam["m"], adam_next_v=adam["v"], adam_t=adam["t"],
    )


def fc_net_case(reference):
    """A small FullyConnectedNet with random (nonzero) weights and biases, its loss with reg 3.14."""
    rng = np.random.default_rng(2)
    net = reference.new("cs231n.classifiers.fc_net.FullyConnectedNet", [5, 4], input_dim=6, num_classes=3,
                        reg=3.14, dtype=np.float64)
    net.params = {k: rng.normal(size=v.shape) for k, v in net.params.items()}
    X, y = rng.normal(size=(4, 6)), rng.integers(0, 3, size=4)
    loss, _ = net.loss(X, y)
    return dict(fc_X=X, fc_y=y, fc_loss=loss, **{f"fc_{k}": v for k, v in net.params.items()})


def BatchNormalization(reference):
    """Running statistics after three training passes, then a test-mode pass."""
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
    return dict(bn_batches=np.stack(batches), bn_gamma=gamma, bn_beta=beta,
                bn_running_mean=bn_param["running_mean"], bn_running_var=bn_param["running_var"],
                bn_test_x=test_x, bn_test_out=test_out,
                ln_x=ln_x, ln_gamma=ln_gamma, ln_beta=ln_beta, ln_out=ln_out)


def ConvolutionalNetworks(reference):
    x, w, b = grid(-0.1, 0.5, (2, 3, 4, 4)), grid(-0.2, 0.3, (3, 3, 4, 4)), np.linspace(-0.1, 0.2, num=3)
    pool_x = grid(-0.3, 0.4, (2, 3, 4, 4))
    return dict(
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
