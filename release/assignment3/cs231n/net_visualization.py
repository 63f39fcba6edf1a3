"""
Network visualization in PyTorch: saliency maps, fooling images and class visualization with a
pretrained SqueezeNet (the NetworkVisualization notebook).

The model is `cs231n.squeezenet.load_squeezenet(squeezenet_dir, input="imagenet")`: it takes the
course's input, RGB images scaled to [0, 1] then normalised with SQUEEZENET_MEAN / SQUEEZENET_STD
(this module's `preprocess`), as float tensors of shape (N, 3, H, W). Its parameters are frozen
(requires_grad False), so gradients flow to the input image only.
"""
import random

import numpy as np
import torch
from PIL import Image

SQUEEZENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
SQUEEZENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def compute_saliency_maps(X, y, model):
    """
    Compute a class saliency map using the model for images X and labels y.

    Input:
    - X: Input images; Tensor of shape (N, 3, H, W)
    - y: Labels for X; LongTensor of shape (N,)
    - model: A pretrained CNN that will be used to compute the saliency map.

    Returns:
    - saliency: A Tensor of shape (N, H, W) giving the saliency maps for the input
    images.
    """
    # Make sure the model is in "test" mode
    model.eval()

    # Make input tensor require gradient
    X.requires_grad_()

    saliency = None
    ##############################################################################
    # TODO: Implement this function. Perform a forward and backward pass through #
    # the model to compute the gradient of the correct class score with respect  #
    # to each input image. You first want to compute the loss over the correct   #
    # scores (we'll combine losses across a batch by summing), and then compute  #
    # the gradients with a backward pass. The saliency of a pixel is the largest #
    # absolute value of this gradient over the 3 colour channels.                #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('compute_saliency_maps: backpropagate the sum of the correct-class scores to X; saliency = max over channels of |dX|')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return saliency


def make_fooling_image(X, target_y, model, max_iter=100):
    """
    Generate a fooling image that is close to X, but that the model classifies
    as target_y.

    Inputs:
    - X: Input image; Tensor of shape (1, 3, 224, 224)
    - target_y: An integer in the range [0, 1000)
    - model: A pretrained CNN
    - max_iter: The most gradient steps to take. The course's loop runs "until the model is
      fooled", which usually takes fewer than 100 steps; the bound makes sure a wrong step (one
      that never reaches target_y) still returns.

    Returns:
    - X_fooling: An image that is close to X, but that is classified as target_y
    by the model.
    """
    # Initialize our fooling image to the input image, and make it require gradient
    X_fooling = X.clone()
    X_fooling = X_fooling.requires_grad_()

    learning_rate = 1
    for _ in range(max_iter):
        ##############################################################################
        # TODO: Generate a fooling image X_fooling that the model will classify as   #
        # the class target_y. You should perform gradient ascent on the score of the #
        # target class, stopping (break) when the model is fooled.                   #
        # When computing an update step, first normalize the gradient:               #
        #   dX = learning_rate * g / ||g||_2                                         #
        # and zero X_fooling.grad after the step (backward() adds to it).            #
        #                                                                            #
        # You should write the body of the loop: one step.                           #
        #                                                                            #
        # HINT: For most examples, you should be able to generate a fooling image    #
        # in fewer than 100 iterations of gradient ascent.                           #
        # You can print your progress over iterations to check your algorithm.       #
        ##############################################################################
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        raise NotImplementedError('make_fooling_image: one step: stop (break) once the model predicts target_y, else ascend the target score by learning_rate * g / ||g||_2')
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return X_fooling


def class_visualization_update_step(img, model, target_y, l2_reg, learning_rate):
    """
    One step of class visualization: gradient ascent on the regularized score
    s_y(img) - l2_reg * ||img||_2^2 of class target_y.

    Inputs:
    - img: The image, a Tensor of shape (1, 3, H, W) that requires gradient; it is updated in place
      (update `img.data`, and zero `img.grad` afterwards so the next step starts afresh).
    - model: A pretrained CNN
    - target_y: An integer in the range [0, 1000)
    - l2_reg: Strength of the L2 regularization
    - learning_rate: The step size: img += learning_rate * (the gradient of the regularized
      score with respect to img), not normalized.
    """
    ########################################################################
    # TODO: Use the model to compute the gradient of the score for the     #
    # class target_y with respect to the pixels of the image, and make a   #
    # gradient step on the image using the learning rate. Don't forget the #
    # L2 regularization term!                                              #
    # Be very careful about the signs of elements in your code.            #
    ########################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('class_visualization_update_step: ascend s_y(img) - l2_reg * ||img||^2 by learning_rate times its gradient, then zero img.grad')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****


# -- provided helpers -----------------------------------------------------------------------------
def preprocess(img, size=224):
    """An image (uint8 RGB array (H, W, 3) or PIL image) -> the model's input, a float32 tensor
    (1, 3, H', W'): resized so that its shorter side is `size` (as `T.Resize(size)`), scaled to
    [0, 1] and normalised with SQUEEZENET_MEAN / SQUEEZENET_STD."""
    pil = img if isinstance(img, Image.Image) else Image.fromarray(np.asarray(img, dtype=np.uint8))
    pil = pil.convert("RGB")
    if size is not None and min(pil.size) != size:
        width, height = pil.size
        scale = size / min(width, height)
        pil = pil.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.BILINEAR)
    x = (np.asarray(pil, dtype=np.float32) / 255.0 - SQUEEZENET_MEAN) / SQUEEZENET_STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def deprocess(img, should_rescale=True):
    """The model's input (1, 3, H, W) or (3, H, W) -> a uint8 RGB array (H, W, 3) to show.
    `should_rescale` stretches the values to the full range first (for generated images)."""
    x = img.detach().cpu().double().numpy() if torch.is_tensor(img) else np.asarray(img, dtype=np.float64)
    x = x[0] if x.ndim == 4 else x
    x = x.transpose(1, 2, 0) * SQUEEZENET_STD + SQUEEZENET_MEAN
    if should_rescale:
        x = rescale(x)
    return np.clip(np.round(255 * x), 0, 255).astype(np.uint8)


def rescale(x):
    """Stretch `x` linearly to [0, 1]."""
    low, high = x.min(), x.max()
    return (x - low) / max(float(high - low), 1e-12)


def blur_image(X, sigma=1):
    """Blur X (N, C, H, W) in place with a Gaussian of standard deviation `sigma` along H and W
    (the course's `gaussian_filter1d` on both axes, kernel radius 4 sigma, here as two torch
    convolutions with reflected borders). Returns X."""
    radius = int(4 * sigma + 0.5)
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = (kernel / kernel.sum()).to(X.dtype)
    N, C, H, W = X.shape
    with torch.no_grad():
        x = X.detach().reshape(N * C, 1, H, W)
        x = torch.nn.functional.pad(x, (radius, radius, radius, radius), mode="reflect")
        x = torch.nn.functional.conv2d(x, kernel.view(1, 1, 1, -1))
        x = torch.nn.functional.conv2d(x, kernel.view(1, 1, -1, 1))
        X.copy_(x.reshape(N, C, H, W))
    return X


def jitter(X, ox, oy):
    """
    Helper function to randomly jitter an image.

    Inputs
    - X: PyTorch Tensor of shape (N, C, H, W)
    - ox, oy: Integers giving number of pixels to jitter along W and H axes

    Returns: A new PyTorch Tensor of shape (N, C, H, W)
    """
    if ox != 0:
        left = X[:, :, :, :-ox]
        right = X[:, :, :, -ox:]
        X = torch.cat([right, left], dim=3)
    if oy != 0:
        top = X[:, :, :-oy]
        bottom = X[:, :, -oy:]
        X = torch.cat([bottom, top], dim=2)
    return X


def clamp_to_image_range(img):
    """Clamp each channel of `img` (N, 3, H, W) in place to the values a real image can take
    after preprocessing: [-mean/std, (1 - mean)/std]."""
    with torch.no_grad():
        for c in range(3):
            low = float(-SQUEEZENET_MEAN[c] / SQUEEZENET_STD[c])
            high = float((1.0 - SQUEEZENET_MEAN[c]) / SQUEEZENET_STD[c])
            img[:, c].clamp_(min=low, max=high)
    return img


def create_class_visualization(target_y, model, dtype, **kwargs):
    """
    Generate an image to maximize the score of target_y under a pretrained model.

    Inputs:
    - target_y: Integer in the range [0, 1000) giving the index of the class
    - model: A pretrained CNN that will be used to generate the image
    - dtype: Torch datatype to use for computations

    Keyword arguments:
    - l2_reg: Strength of L2 regularization on the image
    - learning_rate: How big of a step to take
    - num_iterations: How many iterations to use
    - blur_every: How often to blur the image as an implicit regularizer
    - max_jitter: How much to jitter the image as an implicit regularizer
    - show_every: How often to show the intermediate result (0: never)
    - class_names: {index: name} for the titles of the intermediate images

    Returns the final image as a uint8 RGB array (H, W, 3).
    """
    model.type(dtype)
    l2_reg = kwargs.pop('l2_reg', 1e-3)
    learning_rate = kwargs.pop('learning_rate', 25)
    num_iterations = kwargs.pop('num_iterations', 100)
    blur_every = kwargs.pop('blur_every', 10)
    max_jitter = kwargs.pop('max_jitter', 16)
    show_every = kwargs.pop('show_every', 25)
    class_names = kwargs.pop('class_names', None)

    # Randomly initialize the image as a PyTorch Tensor, and make it requires gradient.
    img = torch.randn(1, 3, 224, 224).mul_(1.0).type(dtype).requires_grad_()

    for t in range(num_iterations):
        # Randomly jitter the image a bit; this gives slightly nicer results
        ox, oy = random.randint(0, max_jitter), random.randint(0, max_jitter)
        img.data.copy_(jitter(img.data, ox, oy))
        class_visualization_update_step(img, model, target_y, l2_reg, learning_rate)
        # Undo the random jitter
        img.data.copy_(jitter(img.data, -ox, -oy))

        # As regularizer, clamp and periodically blur the image
        clamp_to_image_range(img.data)
        if t % blur_every == 0:
            blur_image(img.data, sigma=0.5)

        # Periodically show the image
        if show_every and (t == 0 or (t + 1) % show_every == 0 or t == num_iterations - 1):
            import matplotlib.pyplot as plt

            plt.imshow(deprocess(img.data.clone().cpu()))
            name = class_names[target_y] if class_names else target_y
            plt.title('%s\nIteration %d / %d' % (name, t + 1, num_iterations))
            plt.gcf().set_size_inches(4, 4)
            plt.axis('off')
            plt.show()

    return deprocess(img.data.cpu())
