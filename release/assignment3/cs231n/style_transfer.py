"""
Style transfer (Gatys, Ecker and Bethge, "Image Style Transfer Using Convolutional Neural Networks",
CVPR 2016) with the pretrained SqueezeNet 1.1 of `cs231n.squeezenet`: the losses you write and the
helpers and optimisation loop of the StyleTransfer notebook.

Network and units. `load_cnn(squeezenet_dir)` gives the feature extractor the course's settings
were made for, as far as this network allows:
- input: `load_squeezenet(folder, input="imagenet")` takes the course's (torchvision's) input, RGB
  scaled to [0, 1] minus SQUEEZENET_MEAN divided by SQUEEZENET_STD, so the pixel settings keep
  their meaning: the learning rate 3.0, the total-variation weights and the clamp of the image to
  [-1.5, 1.5]. That range lies inside every channel's range of real pixels (R [-2.12, 2.25],
  G [-2.04, 2.43], B [-1.80, 2.64]), so a clamped image is always displayable.
- features: the weights here are DeepScale's Caffe SqueezeNet 1.1 (not torchvision's), trained on
  0..255 inputs; its activations are about 30 times those of torchvision's network (from the
  course's check values: the content loss at layer 3 is 1270 times, the Gram matrix at layer 5
  300 times and the style loss over layers 1, 4, 6, 7 870,000 times the course's). A content loss
  grows as the square of that scale and a style loss as its fourth power, so the course's content,
  style and TV weights would leave almost nothing but style. `load_cnn` therefore multiplies every
  activation by FEATURE_SCALE = 1/16 (conv1's weights and every bias scaled: ReLU, max pooling and
  concatenation commute with a positive factor, so this is exact, and 1/16 is a power of two, so
  it loses no precision). No single factor matches every layer (the per-layer ratios above range
  from 17 to 36); 1/32 matches the course's check values best but leaves the composition_vii run
  only faintly styled. With 1/16 the course's parameter sets give the_scream and starry_night
  runs as strongly styled as the course's, composition_vii moderately, and a recognisable feature
  inversion; the check values are then 5 (content) and 13 (style) times the course's.
Loss values still differ from the course's style-transfer-checks.npz, which belongs to
torchvision's weights: the notebook compares with values computed by the reference on this network.

Feature maps have shape (N, C, H, W) (N = 1 for the images of the notebook).
"""
import os

import numpy as np
import torch
from PIL import Image

from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD
from cs231n.squeezenet import MEAN_BGR, deprocess as deprocess_caffe, extract_features, load_squeezenet
from cs231n.squeezenet import preprocess as preprocess_caffe

CLAMP = 1.5  # the generated image stays in [-CLAMP, CLAMP] (course units) for most of the optimisation
FEATURE_SCALE = 1 / 16  # every activation of load_cnn's network, relative to the Caffe weights' (see above)


def content_loss(content_weight, content_current, content_original):
    """
    Compute the content loss for style transfer.

    Inputs:
    - content_weight: Scalar giving the weighting for the content loss.
    - content_current: features of the current image; this is a PyTorch Tensor of shape
      (1, C_l, H_l, W_l).
    - content_original: features of the content image, Tensor with shape (1, C_l, H_l, W_l).

    Returns:
    - scalar content loss: content_weight times the sum of the squared differences
    """
    ##############################################################################
    # TODO: Implement content loss (about 1 line).                               #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('content_loss: content_weight * the sum of the squared differences of the two feature maps')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def gram_matrix(features, normalize=True):
    """
    Compute the Gram matrix from features.

    Inputs:
    - features: PyTorch Tensor of shape (N, C, H, W) giving features for
      a batch of N images.
    - normalize: optional, whether to normalize the Gram matrix
        If True, divide the Gram matrix by the number of neurons (H * W * C)

    Returns:
    - gram: PyTorch Tensor of shape (N, C, C) giving the
      (optionally normalized) Gram matrices for the N input images.
    """
    ##############################################################################
    # TODO: Implement the Gram matrix without loops (torch.bmm may help).        #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('gram_matrix: F = features as (N, C, H*W); F @ F^T over the positions; / (C*H*W) when normalize')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return gram


def style_loss(feats, style_layers, style_targets, style_weights):
    """
    Computes the style loss at a set of layers.

    Inputs:
    - feats: list of the features at every layer of the current image, as produced by
      the extract_features function.
    - style_layers: List of layer indices into feats giving the layers to include in the
      style loss.
    - style_targets: List of the same length as style_layers, where style_targets[i] is
      a PyTorch Tensor giving the Gram matrix of the source style image computed at
      layer style_layers[i].
    - style_weights: List of the same length as style_layers, where style_weights[i]
      is a scalar giving the weight for the style loss at layer style_layers[i].

    Returns:
    - style_loss: A PyTorch Tensor holding a scalar giving the style loss.
    """
    ##############################################################################
    # TODO: Implement the style loss (about 4-5 lines). Hint: you can do this    #
    # with one for loop over the style layers.                                   #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('style_loss: sum over l of style_weights[l] * sum((gram_matrix(feats[style_layers[l]]) - style_targets[l])**2)')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def tv_loss(img, tv_weight):
    """
    Compute total variation loss.

    Inputs:
    - img: PyTorch Variable of shape (1, 3, H, W) holding an input image.
    - tv_weight: Scalar giving the weight w_t to use for the TV loss.

    Returns:
    - loss: PyTorch Variable holding a scalar giving the total variation loss
      for img weighted by tv_weight.
    """
    ##############################################################################
    # TODO: Implement total variation loss. Your implementation should be        #
    # vectorized and not require any loops!                                      #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('tv_loss: tv_weight * (sum of squared vertical + sum of squared horizontal neighbour differences)')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


# -- provided: the network, images in the course's convention, features, the optimisation -------
def load_cnn(squeezenet_dir):
    """The frozen feature extractor (`features`, 13 modules) of the pretrained SqueezeNet 1.1,
    taking the course's input and giving activations in the course's scale (module docstring)."""
    return scale_activations(load_squeezenet(squeezenet_dir, input="imagenet").features, FEATURE_SCALE)


def scale_activations(cnn, factor):
    """Multiply every output of `cnn` (convolutions, ReLUs, max pooling) by `factor` > 0, in place:
    the first convolution's weight and every convolution's bias take the factor."""
    convs = [m for m in cnn.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        convs[0].weight.mul_(factor)
        for conv in convs:
            conv.bias.mul_(factor)
    return cnn


def caffe_to_course(x):
    """A tensor in the Caffe convention of cs231n.squeezenet (BGR, 0..255 minus MEAN_BGR) ->
    the course's (RGB, (x/255 - SQUEEZENET_MEAN) / SQUEEZENET_STD)."""
    rgb = (x + torch.from_numpy(MEAN_BGR).view(1, 3, 1, 1)).flip(1) / 255.0
    return (rgb - _channels(SQUEEZENET_MEAN)) / _channels(SQUEEZENET_STD)


def course_to_caffe(x):
    """Inverse of `caffe_to_course`."""
    rgb255 = (x * _channels(SQUEEZENET_STD) + _channels(SQUEEZENET_MEAN)) * 255.0
    return rgb255.flip(1) - torch.from_numpy(MEAN_BGR).view(1, 3, 1, 1)


def _channels(values):
    return torch.from_numpy(np.asarray(values, dtype=np.float32)).view(1, 3, 1, 1)


def preprocess(img, size=512):
    """A PIL image or uint8 RGB array -> the network's input (1, 3, H, W) float32, its shorter
    side resized to `size` (the course's Resize, ToTensor, Normalize)."""
    return caffe_to_course(preprocess_caffe(img, size))


def deprocess(img, rescale=False):
    """The network's input (1, 3, H, W) -> a uint8 RGB array (H, W, 3) to show."""
    x = img.detach().cpu().float()
    return deprocess_caffe(course_to_caffe(x if x.ndim == 4 else x[None]), rescale=rescale)


def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def features_from_img(imgpath, imgsize, cnn):
    """(the features of every layer, the preprocessed image) of the image file `imgpath` at size
    `imgsize`, as the course's helper."""
    img = preprocess(Image.open(imgpath).convert("RGB"), size=imgsize)
    with torch.no_grad():
        return extract_features(img, cnn), img


# The course's four checks: the content image tubingen.jpg and the style image starry_night.jpg
# (assets_dir/styles) at size 192, and these layers and weights.
CHECKS = dict(image_size=192, content_layer=3, content_weight=6e-2, gram_layer=5, style_layers=[1, 4, 6, 7],
              style_weights=[300000, 1000, 15, 3], tv_weight=2e-2)


def check_inputs(assets_dir, cnn):
    """The settings (CHECKS) and inputs of the course's checks: {**CHECKS, "content_feats": every
    layer's features of the content image, "content_img": the content image (preprocessed),
    "blank_feats": the features of an all-zero image of its size, "style_feats": the style image's
    features}."""
    styles = os.path.join(assets_dir, "styles")
    content_feats, content_img = features_from_img(os.path.join(styles, "tubingen.jpg"), CHECKS["image_size"], cnn)
    style_feats, _ = features_from_img(os.path.join(styles, "starry_night.jpg"), CHECKS["image_size"], cnn)
    with torch.no_grad():
        blank_feats = extract_features(torch.zeros_like(content_img), cnn)
    return dict(CHECKS, content_feats=content_feats, content_img=content_img, blank_feats=blank_feats,
                style_feats=style_feats)


def style_transfer(content_image, style_image, image_size, style_size, content_layer, content_weight,
                   style_layers, style_weights, tv_weight, cnn, init_random=False, num_iterations=200,
                   decay_lr_at=None, clamp_until=None, show_every=100):
    """
    Run style transfer (the course's loop) and return the generated image (1, 3, H, W).

    Inputs:
    - content_image: filename of content image
    - style_image: filename of style image
    - image_size: size of smallest image dimension (used for content loss and generated image)
    - style_size: size of smallest style image dimension
    - content_layer: layer to use for content loss
    - content_weight: weighting on content loss
    - style_layers: list of layers to use for style loss
    - style_weights: list of weights to use for each layer in style_layers
    - tv_weight: weight of total variation regularization term
    - cnn: the feature extractor (`load_cnn`)
    - init_random: initialize the starting image to uniform random noise
    - num_iterations: Adam steps on the pixels (the course: 200); the learning rate drops from 3.0
      to 0.1 at `decay_lr_at` (default 90 % of the steps: the course's 180) and the image is clamped
      to [-1.5, 1.5] before the steps until `clamp_until` (default 95 %: the course's 190)
    - show_every: show the image every that many iterations and at the end (None: never)
    """
    decay_lr_at = int(0.9 * num_iterations) if decay_lr_at is None else decay_lr_at
    clamp_until = int(0.95 * num_iterations) if clamp_until is None else clamp_until
    feats, content_img = features_from_img(content_image, image_size, cnn)
    content_target = feats[content_layer].clone()
    feats, style_img = features_from_img(style_image, style_size, cnn)
    style_targets = [gram_matrix(feats[idx].clone()) for idx in style_layers]

    if init_random:
        img = torch.empty(content_img.shape).uniform_(0, 1)
    else:
        img = content_img.clone()
    img.requires_grad_()
    optimizer = torch.optim.Adam([img], lr=3.0)
    if show_every:
        show_sources(content_img, style_img)

    for t in range(num_iterations):
        if t < clamp_until:
            with torch.no_grad():
                img.clamp_(-CLAMP, CLAMP)
        optimizer.zero_grad()
        feats = extract_features(img, cnn)
        loss = (content_loss(content_weight, feats[content_layer], content_target)
                + style_loss(feats, style_layers, style_targets, style_weights) + tv_loss(img, tv_weight))
        loss.backward()
        if t == decay_lr_at:
            optimizer = torch.optim.Adam([img], lr=0.1)
        optimizer.step()
        if show_every and t % show_every == 0:
            show_image(img, f"Iteration {t}")
    if show_every:
        show_image(img, f"Iteration {num_iterations - 1} (final)")
    return img.detach()


def show_sources(content_img, style_img):
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, 2)
    for ax, img, title in zip(axes, (content_img, style_img), ("Content Source Img.", "Style Source Img.")):
        ax.axis("off")
        ax.set_title(title)
        ax.imshow(deprocess(img))
    plt.show()


def show_image(img, title):
    import matplotlib.pyplot as plt

    print(title)
    plt.axis("off")
    plt.imshow(deprocess(img))
    plt.show()
