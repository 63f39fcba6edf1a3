"""Inputs and expected outputs of the public checks, computed from the reference solution.

Inputs are the course notebooks' deterministic ones (spec §4.4, §4.5); `gradekit release` stores
the values as public/expected/<notebook>.npz.
"""
import os

import numpy as np

R = "cs231n.rnn_layers."
MODEL = "cs231n.classifiers.rnn.CaptioningRNN"
VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}


def grid(low, high, shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


def fixed_model_loss(reference, cell_type, features_range):
    """The notebooks' CaptioningRNN check: every parameter a linspace, a 3-word vocabulary."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    model = reference.new(MODEL, VOCAB, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type,
                          dtype=np.float64)
    for name in sorted(model.params):
        model.params[name] = grid(-1.4, 1.3, model.params[name].shape)
    features = grid(*features_range, (N, D))
    captions = (np.arange(N * T) % len(VOCAB)).reshape(N, T)
    loss, _ = model.loss(features, captions)
    return features, captions, loss


def RNN_Captioning(reference):
    N, D, H = 3, 10, 4
    step = dict(x=grid(-0.4, 0.7, (N, D)), prev_h=grid(-0.2, 0.5, (N, H)), Wx=grid(-0.1, 0.9, (D, H)),
                Wh=grid(-0.3, 0.7, (H, H)), b=np.linspace(-0.2, 0.4, num=H))
    N, T, D, H = 2, 3, 4, 5
    seq = dict(x=grid(-0.1, 0.3, (N, T, D)), h0=grid(-0.3, 0.1, (N, H)), Wx=grid(-0.2, 0.4, (D, H)),
               Wh=grid(-0.4, 0.1, (H, H)), b=np.linspace(-0.7, 0.1, num=H))
    words, W = np.array([[0, 3, 1, 2], [2, 1, 0, 3]]), grid(0, 1, (5, 3))
    features, captions, loss = fixed_model_loss(reference, "rnn", (-1.5, 0.3))
    return dict(
        **{f"step_{k}": v for k, v in step.items()},
        step_next_h=reference.call(R + "rnn_step_forward", *step.values(), pick=0),
        **{f"seq_{k}": v for k, v in seq.items()},
        seq_h=reference.call(R + "rnn_forward", *seq.values(), pick=0),
        embed_x=words, embed_W=W, embed_out=reference.call(R + "word_embedding_forward", words, W, pick=0),
        model_features=features, model_captions=captions, model_loss=loss,
        **gradient_checks(reference, "rnn"),
    )


def LSTM_Captioning(reference):
    N, D, H = 3, 4, 5
    step = dict(x=grid(-0.4, 1.2, (N, D)), prev_h=grid(-0.3, 0.7, (N, H)), prev_c=grid(-0.4, 0.9, (N, H)),
                Wx=grid(-2.1, 1.3, (D, 4 * H)), Wh=grid(-0.7, 2.2, (H, 4 * H)), b=np.linspace(0.3, 0.7, num=4 * H))
    next_h, next_c = reference.call(R + "lstm_step_forward", *step.values(), pick=[0, 1])
    N, D, H, T = 2, 5, 4, 3
    seq = dict(x=grid(-0.4, 0.6, (N, T, D)), h0=grid(-0.4, 0.8, (N, H)), Wx=grid(-0.2, 0.9, (D, 4 * H)),
               Wh=grid(-0.3, 0.6, (H, 4 * H)), b=np.linspace(0.2, 0.7, num=4 * H))
    features, captions, loss = fixed_model_loss(reference, "lstm", (-0.5, 1.7))
    return dict(
        **{f"step_{k}": v for k, v in step.items()}, step_next_h=next_h, step_next_c=next_c,
        **{f"seq_{k}": v for k, v in seq.items()},
        seq_h=reference.call(R + "lstm_forward", *seq.values(), pick=0),
        model_features=features, model_captions=captions, model_loss=loss,
        **gradient_checks(reference, "lstm"),
    )


def named(prefix, names, values):
    return {f"{prefix}_{name}": value for name, value in zip(names, values)}


STEP_ARGS = {"rnn": ("x", "prev_h", "Wx", "Wh", "b"), "lstm": ("x", "prev_h", "prev_c", "Wx", "Wh", "b")}
SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")


def gradient_checks(reference, cell_type):
    """The numeric-gradient checks' random inputs (seeds 231-234) and the reference's values at
    them: step_check_* (the step's arguments, dout and outputs), seq_check_*, embed_check_* (rnn
    only) and model_check_* (a seeded CaptioningRNN's params, features, captions and loss)."""
    G = 4 if cell_type == "lstm" else 1
    outputs = ("next_h", "next_c") if cell_type == "lstm" else ("next_h",)
    rng = np.random.default_rng(231)
    N, D, H = 4, 5, 6
    step = [rng.normal(size=(N, D)), *(rng.normal(size=(N, H)) for _ in outputs),  # x, prev_h (and prev_c)
            rng.normal(size=(D, G * H)), rng.normal(size=(H, G * H)), rng.normal(size=G * H)]
    step_dout = [rng.normal(size=(N, H)) for _ in outputs]
    step_out = reference.call(R + f"{cell_type}_step_forward", *step, pick=list(range(len(outputs))))
    values = {**named("step_check", STEP_ARGS[cell_type], step), **named("step_check", outputs, step_out),
              **named("step_check", [f"d{o}" for o in outputs], step_dout)}
    rng = np.random.default_rng(232)
    N, T, D, H = 2, 4, 3, 5
    seq = [rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, G * H)),
           rng.normal(size=(H, G * H)), rng.normal(size=G * H)]
    values.update(named("seq_check", SEQ_ARGS, seq), seq_check_dh=rng.normal(size=(N, T, H)),
                  seq_check_h=reference.call(R + f"{cell_type}_forward", *seq, pick=0))
    if cell_type == "rnn":
        rng = np.random.default_rng(233)
        words = rng.integers(0, 5, size=(10, 3))  # 30 words from a vocabulary of 5: many repeats
        W = rng.normal(size=(5, 6))
        values.update(embed_check_x=words, embed_check_W=W, embed_check_dout=rng.normal(size=(10, 3, 6)),
                      embed_check_out=reference.call(R + "word_embedding_forward", words, W, pick=0))
    rng = np.random.default_rng(234)
    model = reference.new(MODEL, VOCAB, input_dim=4, wordvec_dim=5, hidden_dim=6, cell_type=cell_type,
                          dtype=np.float64, seed=231)
    captions = rng.integers(0, 3, size=(2, 4))
    captions[:, 0] = 2
    features = rng.normal(size=(2, 4))
    values.update(named("model_check_param", model.params, model.params.values()), model_check_features=features,
                  model_check_captions=captions, model_check_loss=model.loss(features, captions)[0])
    return values


# The course's GAN check inputs and values (gan-checks-tf.npz, identical in 2017-2019): the losses
# are means of the stable BCE on logits, so the TF-era numbers hold for torch exactly.
GAN_LOGITS_REAL = [0.9348731096217853, -1.0169891625223137, -0.5730476939393363, -0.8816270356958762,
                   -1.4012938925983567, -1.4539569266944938, -1.542397547964014, -0.5727332515501994,
                   0.9858442941304029, 0.13312152437312422]
GAN_LOGITS_FAKE = [-1.8086586792257076, 0.09030055369905954, -0.44289020393777767, -0.0787936751879477,
                   -0.3765504411101933, 0.3208474241671663, -0.28590836517263224, 1.013762805378476,
                   0.9924143914567469, 0.3939434608511722]
GAN_COURSE_VALUES = dict(d_loss=1.8423983904443109, g_loss=0.771286196423346, d_loss_lsgan=1.8770293614440594,
                         g_loss_lsgan=0.816954786997558)
G = "cs231n.gan."
OPS = "gradekit.autograde.torch_ops."


def GANs(reference):
    import torch

    real, fake = (np.array(v, dtype=np.float64).reshape(10, 1) for v in (GAN_LOGITS_REAL, GAN_LOGITS_FAKE))
    as_tensors = (torch.from_numpy(real), torch.from_numpy(fake))
    losses = dict(
        d_loss=reference.call(G + "discriminator_loss", *as_tensors),
        g_loss=reference.call(G + "generator_loss", as_tensors[1]),
        d_loss_lsgan=reference.call(G + "ls_discriminator_loss", *as_tensors),
        g_loss_lsgan=reference.call(G + "ls_generator_loss", as_tensors[1]),
    )
    losses = {name: float(value) for name, value in losses.items()}
    for name, value in losses.items():
        assert abs(value - GAN_COURSE_VALUES[name]) <= 1e-12 * abs(value), (name, value, GAN_COURSE_VALUES[name])
    counts = dict(
        D_params=reference.call(OPS + "count_params", reference.call(G + "discriminator")),
        G_params=reference.call(OPS + "count_params", reference.call(G + "generator", 4)),
        DC_D_params=reference.call(OPS + "count_params", reference.call(G + "build_dc_classifier", 128)),
        DC_G_params=reference.call(OPS + "count_params", reference.call(G + "build_dc_generator", 4)),
    )
    return dict(logits_real=real, logits_fake=fake, **losses, **counts, **gan_gradient_checks(reference))


GAN_LOSS_INPUTS = {"discriminator_loss": 2, "generator_loss": 1, "ls_discriminator_loss": 2, "ls_generator_loss": 1}


def gan_gradient_checks(reference):
    """The gradchecks' logits (seed 235: check_logits_0, and check_logits_1 for the
    discriminator's losses) and each loss there (check_<loss>)."""
    import torch

    rng = np.random.default_rng(235)
    logits = [rng.normal(size=(6, 1)) for _ in range(2)]
    values = {f"check_logits_{k}": value for k, value in enumerate(logits)}
    for loss, count in GAN_LOSS_INPUTS.items():
        value = reference.call(G + loss, *(torch.from_numpy(x) for x in logits[:count]))
        values[f"check_{loss}"] = value.detach().numpy()
    return values


# -- StyleTransfer --------------------------------------------------------------------------------
ST = "cs231n.style_transfer."
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_folder(name):
    """A dataset's folder in the data dir ($GRADEKIT_DATA, else the repository's data/): the
    network-visualization and style-transfer values need the images and the SqueezeNet weights."""
    from gradekit.data.datasets import FOLDERS

    path = os.path.join(os.environ.get("GRADEKIT_DATA", os.path.join(REPO, "data")), FOLDERS[name])
    if not os.path.isdir(path):
        raise FileNotFoundError(f"expected_values: no {path}; run `gradekit data {name}` "
                                f"or set GRADEKIT_DATA to the folder holding it")
    return path


def StyleTransfer(reference):
    """The course's four check values, from the reference's losses on the reference's features of
    the course images (this SqueezeNet, not the course's torchvision weights)."""
    cnn = reference.call(ST + "load_cnn", data_folder("squeezenet"))
    checks = reference.call(ST + "check_inputs", data_folder("assets"), cnn)
    layers = checks["style_layers"]
    targets = [reference.call(ST + "gram_matrix", checks["style_feats"][i]) for i in layers]
    values = dict(
        cl_out=reference.call(ST + "content_loss", checks["content_weight"],
                              checks["content_feats"][checks["content_layer"]],
                              checks["blank_feats"][checks["content_layer"]]),
        gm_out=reference.call(ST + "gram_matrix", checks["style_feats"][checks["gram_layer"]]),
        sl_out=reference.call(ST + "style_loss", checks["content_feats"], layers, targets, checks["style_weights"]),
        tv_out=reference.call(ST + "tv_loss", checks["content_img"], checks["tv_weight"]),
    )
    values = {name: value.detach().numpy() for name, value in values.items()}
    return {**values, **style_gradient_checks(reference)}


STYLE_FUNCTIONS = ("content_loss", "gram_matrix", "style_loss", "tv_loss")


def style_gradient_checks(reference):
    """The small float64 inputs (seed 240) of the gradchecks, as arrays named small_<function>_<k>
    (argument k; a list of arrays as small_<function>_<k>_<i>), and each function's value there
    (check_<function>)."""
    import torch

    rng = np.random.default_rng(240)
    feats = [rng.normal(size=(1, c, h, w)) for c, h, w in ((3, 5, 4), (4, 3, 6), (2, 4, 4))]
    inputs = {
        "content_loss": (0.7, rng.normal(size=(1, 3, 4, 5)), rng.normal(size=(1, 3, 4, 5))),
        "gram_matrix": (rng.normal(size=(2, 3, 4, 5)),),
        "style_loss": (feats, [2, 0], [rng.normal(size=(1, 2, 2)), rng.normal(size=(1, 3, 3))], [2.0, 0.5]),
        "tv_loss": (rng.normal(size=(1, 3, 4, 6)), 0.3),
    }
    values = {}
    for function, args in inputs.items():
        for k, arg in enumerate(args):
            if isinstance(arg, list) and isinstance(arg[0], np.ndarray):
                values.update({f"small_{function}_{k}_{i}": a for i, a in enumerate(arg)})
            else:
                values[f"small_{function}_{k}"] = np.asarray(arg)
        as_tensors = [torch.from_numpy(a) if isinstance(a, np.ndarray) else
                      [torch.from_numpy(x) for x in a] if isinstance(a, list) and isinstance(a[0], np.ndarray) else a
                      for a in args]
        values[f"check_{function}"] = reference.call(ST + function, *as_tensors).detach().numpy()
    return values


# NetworkVisualization: the public checks' fixed inputs (the same images, crops and settings as
# public/test_network_visualization.py builds), run through the reference on this SqueezeNet.
NV = "cs231n.net_visualization."


def imagenet_crops(indices, crop):
    """ImageNet sample images (central crop x crop), as the public checks normalise them, and labels."""
    from gradekit.autograde.imagenet import imagenet, normalised

    X, y = imagenet(os.path.dirname(data_folder("imagenet25")))
    return normalised(X[indices], crop=crop), y[indices]


def NetworkVisualization(reference):
    import torch

    def squeezenet():
        return reference.call("cs231n.squeezenet.load_squeezenet", data_folder("squeezenet"), input="imagenet").double()

    X, y = imagenet_crops(np.arange(5), 112)
    saliency = reference.call(NV + "compute_saliency_maps", torch.from_numpy(X).requires_grad_(), torch.from_numpy(y),
                              squeezenet())
    img, _ = imagenet_crops(np.arange(5, 6), 112)
    updated = torch.tensor(img, requires_grad=True)
    reference.call(NV + "class_visualization_update_step", updated, squeezenet(), 76, 1e-3, 25)
    return dict(saliency=saliency.numpy().astype(np.float32),
                update_step_change=(updated.detach().numpy() - img).astype(np.float32))
