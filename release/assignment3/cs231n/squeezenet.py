"""SqueezeNet 1.1, ImageNet-pretrained, in PyTorch without torchvision (provided code).

The course uses `torchvision.models.squeezenet1_1(pretrained=True)`, which downloads its weights.
Here the same network (torchvision's module layout: `features`, a Sequential whose indices 0-12
are the ones the notebooks use, and `classifier`) reads DeepScale's original **Caffe** SqueezeNet
1.1 weights from `squeezenet11.npz`, the folder that `gradekit data squeezenet` makes (notebook
parameter `squeezenet_dir`).

The Caffe weights expect a different input from torchvision's: BGR channels in 0..255 minus the
mean pixel (B, G, R) = (104.006, 116.669, 122.679), no division by a standard deviation. Use this
module's `preprocess` / `deprocess` with them. Alternatively, `load_squeezenet(folder,
input="imagenet")` folds the conversion from torchvision's input (RGB, `(x/255 - mean) / std` with
the course's SQUEEZENET_MEAN / SQUEEZENET_STD) into the first convolution, exactly (it has no
padding), so that the course's own preprocessing, clamping ranges and step sizes apply unchanged.

These are not torchvision's weights: features, Gram matrices and losses differ from the course's
`style-transfer-checks.npz`; reference values must be computed with this model.
"""
import os

import numpy as np
import torch
from PIL import Image
from torch import nn

NPZ = "squeezenet11.npz"
MEAN_BGR = np.array([104.006, 116.669, 122.679], dtype=np.float32)
# The range of a preprocessed pixel, per channel (B, G, R), for clamping generated images.
PIXEL_LOW = -MEAN_BGR
PIXEL_HIGH = 255.0 - MEAN_BGR
# torchvision's input convention (the course's image_utils SQUEEZENET_MEAN / SQUEEZENET_STD), RGB.
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class Fire(nn.Module):
    """A squeeze 1x1 convolution feeding 1x1 and 3x3 expand convolutions, concatenated."""

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(nn.Module):
    """SqueezeNet 1.1 as torchvision lays it out (and as Caffe's deploy.prototxt computes it:
    conv10, ReLU, global average pooling; the Caffe softmax is left out, so the output is the
    1000 class scores)."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(64, 16, 64, 64),
            Fire(128, 16, 64, 64),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(128, 32, 128, 128),
            Fire(256, 32, 128, 128),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(256, 48, 192, 192),
            Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Conv2d(512, num_classes, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        )

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


# Caffe layer name -> the module holding it.
FIRES = {"fire2": 3, "fire3": 4, "fire4": 6, "fire5": 7, "fire6": 9, "fire7": 10, "fire8": 11, "fire9": 12}


def _conv_modules(model):
    """{Caffe layer name: its nn.Conv2d in `model`}."""
    convs = {"conv1": model.features[0], "conv10": model.classifier[1]}
    for fire, index in FIRES.items():
        module = model.features[index]
        convs.update({f"{fire}/squeeze1x1": module.squeeze, f"{fire}/expand1x1": module.expand1x1,
                      f"{fire}/expand3x3": module.expand3x3})
    return convs


def load_weights(model, npz_path):
    """Copy the npz's weights into `model`; each kernel goes from Caffe/keras layout
    (kh, kw, in, out) to torch's (out, in, kh, kw), every shape checked, every layer used."""
    with np.load(npz_path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    convs = _conv_modules(model)
    expected = {f"{name}/{part}" for name in convs for part in ("kernel", "bias")}
    if set(arrays) != expected:
        raise ValueError(f"{npz_path}: layers {sorted(set(arrays) ^ expected)} do not match SqueezeNet 1.1")
    with torch.no_grad():
        for name, conv in convs.items():
            kernel = arrays[f"{name}/kernel"].transpose(3, 2, 0, 1)
            bias = arrays[f"{name}/bias"]
            if kernel.shape != tuple(conv.weight.shape) or bias.shape != tuple(conv.bias.shape):
                raise ValueError(f"{npz_path}: {name} has kernel {arrays[name + '/kernel'].shape} and bias "
                                 f"{bias.shape}; the model needs {tuple(conv.weight.shape)} (out, in, kh, kw) "
                                 f"and {tuple(conv.bias.shape)}")
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel)))
            conv.bias.copy_(torch.from_numpy(bias))
    return model


def fold_imagenet_input(model):
    """Make `model` take torchvision's input (RGB, (x/255 - IMAGENET_MEAN) / IMAGENET_STD)
    instead of Caffe's (BGR, x - MEAN_BGR), by rewriting conv1 (exact: conv1 has no padding)."""
    conv = model.features[0]
    with torch.no_grad():
        weight = conv.weight.flip(1)  # input channels BGR -> RGB
        scale = torch.from_numpy(255.0 * IMAGENET_STD).view(1, 3, 1, 1)
        shift = torch.from_numpy(255.0 * IMAGENET_MEAN - MEAN_BGR[::-1].copy()).view(1, 3, 1, 1)
        conv.bias.add_((weight * shift).sum(dim=(1, 2, 3)))
        conv.weight.copy_(weight * scale)
    return model


def load_squeezenet(folder, input="caffe"):
    """The pretrained SqueezeNet 1.1 from `folder` (the `squeezenet` data folder), in eval mode,
    with every parameter frozen (requires_grad False). `input` is the preprocessing it expects:
    "caffe" (this module's `preprocess`) or "imagenet" (torchvision's / the course's)."""
    if input not in ("caffe", "imagenet"):
        raise ValueError(f"load_squeezenet: input should be 'caffe' or 'imagenet', not {input!r}")
    model = load_weights(SqueezeNet(), os.path.join(folder, NPZ))
    if input == "imagenet":
        fold_imagenet_input(model)
    for param in model.parameters():
        param.requires_grad_(False)
    return model.eval()


def preprocess(img, size=None):
    """Image(s) -> the Caffe model's input, a float32 tensor (N, 3, H, W), BGR, 0..255 minus MEAN_BGR.

    `img`: a uint8 RGB array (H, W, 3) or batch (N, H, W, 3), or a PIL image. `size`: when given,
    each image is first resized (bilinear) so that its shorter side is `size`, as the course's
    `T.Resize(size)` does."""
    images = [img] if isinstance(img, Image.Image) or np.ndim(img) == 3 else list(img)
    arrays = []
    for image in images:
        if size is not None:
            pil = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, np.uint8))
            width, height = pil.size
            scale = size / min(width, height)
            image = pil.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.BILINEAR)
        arrays.append(np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image,
                                 dtype=np.float32))
    x = np.stack(arrays)[..., ::-1] - MEAN_BGR
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def deprocess(x, rescale=False):
    """The Caffe model's input (1, 3, H, W) or (3, H, W) tensor -> a uint8 RGB array (H, W, 3).

    `rescale`: stretch the values to the full 0..255 range first (for visualising gradients or
    generated images, like the course's `deprocess(img, should_rescale=True)`)."""
    x = x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)
    if x.ndim == 4:
        if x.shape[0] != 1:
            raise ValueError(f"deprocess: one image at a time, got a batch of {x.shape[0]}")
        x = x[0]
    rgb = (x.transpose(1, 2, 0) + MEAN_BGR)[..., ::-1]
    if rescale:
        low, high = rgb.min(), rgb.max()
        rgb = (rgb - low) / max(high - low, 1e-12) * 255.0
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def clamp_pixels(x):
    """`x` (N, 3, H, W) in the Caffe convention, clamped in place to the range of real pixels."""
    low = torch.from_numpy(PIXEL_LOW).view(1, 3, 1, 1).to(x.dtype)
    high = torch.from_numpy(PIXEL_HIGH).view(1, 3, 1, 1).to(x.dtype)
    with torch.no_grad():
        return x.copy_(torch.max(torch.min(x, high), low))


def extract_features(x, cnn):
    """The outputs of every module of `cnn` (e.g. `model.features`: 13 entries, indices 0-12)
    applied in turn to `x`, as the style-transfer notebook's helper of the same name."""
    features = []
    for module in cnn._modules.values():
        x = module(x)
        features.append(x)
    return features
