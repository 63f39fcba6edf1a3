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
    )


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
    return dict(logits_real=real, logits_fake=fake, **losses, **counts)


# -- StyleTransfer --------------------------------------------------------------------------------
ST = "cs231n.style_transfer."
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_folder(name):
    """A dataset's folder in the data dir ($GRADEKIT_DATA, else the repository's data/): the
    network-visualization and style-transfer values need the images and the SqueezeNet weights."""
    from gradekit.datasets import FOLDERS

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
    return {name: value.detach().numpy() for name, value in values.items()}


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
