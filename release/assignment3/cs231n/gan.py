"""
Generative adversarial networks in PyTorch: the vanilla GAN, the least squares GAN and the deep
convolutional GAN of the GANs notebook, plus the helpers it uses.

Images are MNIST digits of 28x28 = 784 pixels. The discriminators take a minibatch of images,
either (N, 1, 28, 28) or flattened to (N, 784), scaled to [-1, 1], and return one score (a logit)
per image, of shape (N, 1). The generators take noise of shape (N, noise_dim) and return images
flattened to (N, 784) with values in [-1, 1].
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

NOISE_DIM = 96
dtype = torch.float32


def sample_noise(batch_size, dim):
    """
    Generate a PyTorch Tensor of uniform random noise.

    Input:
    - batch_size: Integer giving the batch size of noise to generate.
    - dim: Integer giving the dimension of noise to generate.

    Output:
    - A PyTorch Tensor of shape (batch_size, dim) containing uniform
      random noise in the range (-1, 1).
    """
    noise = None
    ##############################################################################
    # TODO: Implement sample_noise. Hint: torch.rand gives values in [0, 1).     #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('sample_noise: uniform noise in [-1, 1) of shape (batch_size, dim), from torch.rand')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return noise


def discriminator():
    """
    Build and return a PyTorch model implementing the architecture of the
    vanilla GAN's discriminator:

    * Flatten the (N, 1, 28, 28) images to (N, 784) (use the provided Flatten)
    * Fully connected layer with input size 784 and output size 256
    * LeakyReLU with alpha 0.01
    * Fully connected layer with input size 256 and output size 256
    * LeakyReLU with alpha 0.01
    * Fully connected layer with input size 256 and output size 1

    Returns an nn.Sequential.
    """
    model = None
    ##############################################################################
    # TODO: Implement the architecture above as an nn.Sequential.                #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('discriminator: nn.Sequential of Flatten, Linear 784->256, LeakyReLU(0.01), Linear 256->256, LeakyReLU(0.01), Linear 256->1')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def generator(noise_dim=NOISE_DIM):
    """
    Build and return a PyTorch model implementing the architecture of the
    vanilla GAN's generator:

    * Fully connected layer from noise_dim to 1024
    * ReLU
    * Fully connected layer with size 1024
    * ReLU
    * Fully connected layer with size 784
    * TanH (to clip the image to be in the range of [-1, 1])

    Returns an nn.Sequential.
    """
    model = None
    ##############################################################################
    # TODO: Implement the architecture above as an nn.Sequential.                #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('generator: nn.Sequential of Linear noise_dim->1024, ReLU, Linear 1024->1024, ReLU, Linear 1024->784, Tanh')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def bce_loss(input, target):
    """
    Numerically stable version of the binary cross-entropy loss function.

    As per https://github.com/pytorch/pytorch/issues/751
    See the TensorFlow docs for a derivation of this formula:
    https://www.tensorflow.org/api_docs/python/tf/nn/sigmoid_cross_entropy_with_logits

    Inputs:
    - input: PyTorch Tensor of shape (N, ) giving scores.
    - target: PyTorch Tensor of shape (N,) containing 0 and 1 giving targets.

    Returns:
    - A PyTorch Tensor containing the mean BCE loss over the minibatch of input data.
    """
    neg_abs = -input.abs()
    loss = input.clamp(min=0) - input * target + (1 + neg_abs.exp()).log()
    return loss.mean()


def discriminator_loss(logits_real, logits_fake):
    """
    Computes the discriminator loss described above.

    Inputs:
    - logits_real: PyTorch Tensor of shape (N,) giving scores for the real data.
    - logits_fake: PyTorch Tensor of shape (N,) giving scores for the fake data.

    Returns:
    - loss: PyTorch Tensor containing (scalar) the loss for the discriminator.
    """
    loss = None
    ##############################################################################
    # TODO: Implement discriminator_loss with bce_loss: real images should be    #
    # classified as real (target 1) and fake images as fake (target 0).          #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('discriminator_loss: bce_loss(logits_real, ones) + bce_loss(logits_fake, zeros), each a mean')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def generator_loss(logits_fake):
    """
    Computes the generator loss described above.

    Inputs:
    - logits_fake: PyTorch Tensor of shape (N,) giving scores for the fake data.

    Returns:
    - loss: PyTorch Tensor containing the (scalar) loss for the generator.
    """
    loss = None
    ##############################################################################
    # TODO: Implement generator_loss with bce_loss (the non-saturating form: the  #
    # generator wants its images classified as real).                           #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('generator_loss: bce_loss(logits_fake, ones): the generator wants its images scored as real')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def get_optimizer(model):
    """
    Construct and return an Adam optimizer for the model with learning rate 1e-3,
    beta1=0.5, and beta2=0.999.

    Input:
    - model: A PyTorch model that we want to optimize.

    Returns:
    - An Adam optimizer for the model with the desired hyperparameters.
    """
    optimizer = None
    ##############################################################################
    # TODO: Implement get_optimizer.                                             #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('get_optimizer: optim.Adam over model.parameters() with lr 1e-3 and betas (0.5, 0.999)')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return optimizer


def ls_discriminator_loss(scores_real, scores_fake):
    """
    Compute the Least-Squares GAN loss for the discriminator.

    Inputs:
    - scores_real: PyTorch Tensor of shape (N,) giving scores for the real data.
    - scores_fake: PyTorch Tensor of shape (N,) giving scores for the fake data.

    Outputs:
    - loss: A PyTorch Tensor containing the loss.
    """
    loss = None
    ##############################################################################
    # TODO: Implement ls_discriminator_loss.                                     #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('ls_discriminator_loss: 0.5 * mean((scores_real - 1)^2) + 0.5 * mean(scores_fake^2)')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def ls_generator_loss(scores_fake):
    """
    Computes the Least-Squares GAN loss for the generator.

    Inputs:
    - scores_fake: PyTorch Tensor of shape (N,) giving scores for the fake data.

    Outputs:
    - loss: A PyTorch Tensor containing the loss.
    """
    loss = None
    ##############################################################################
    # TODO: Implement ls_generator_loss.                                         #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('ls_generator_loss: 0.5 * mean((scores_fake - 1)^2)')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss


def build_dc_classifier(batch_size=128):
    """
    Build and return a PyTorch model for the DCGAN discriminator implementing
    the architecture below:

    * Reshape into image tensor (use Unflatten: (batch_size, 1, 28, 28))
    * Conv2D: 32 Filters, 5x5, Stride 1 (no padding)
    * Leaky ReLU(alpha=0.01)
    * Max Pool 2x2, Stride 2
    * Conv2D: 64 Filters, 5x5, Stride 1 (no padding)
    * Leaky ReLU(alpha=0.01)
    * Max Pool 2x2, Stride 2
    * Flatten
    * Fully Connected with output size 4 x 4 x 64
    * Leaky ReLU(alpha=0.01)
    * Fully Connected with output size 1

    Input:
    - batch_size: the number of images in each minibatch it will score.

    Returns an nn.Sequential.
    """
    model = None
    ##############################################################################
    # TODO: Implement the architecture above as an nn.Sequential.                #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('build_dc_classifier: reshape with Unflatten to (batch_size, 1, 28, 28), two blocks Conv2d 5x5 (32 then 64 filters) + LeakyReLU(0.01) + MaxPool 2x2, Flatten, Linear 1024->1024, LeakyReLU(0.01), Linear 1024->1')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def build_dc_generator(noise_dim=NOISE_DIM):
    """
    Build and return a PyTorch model implementing the DCGAN generator using
    the architecture described below:

    * Fully connected with output size 1024
    * ReLU
    * BatchNorm
    * Fully connected with output size 7 x 7 x 128
    * ReLU
    * BatchNorm
    * Reshape into Image Tensor of shape 7 x 7 x 128 (use Unflatten)
    * ConvTranspose2d: 64 filters of 4x4, stride 2, 'same' padding (padding 1)
    * ReLU
    * BatchNorm
    * ConvTranspose2d: 1 filter of 4x4, stride 2, 'same' padding (padding 1)
    * TanH
    * Flatten back to (N, 784)

    Returns an nn.Sequential.
    """
    model = None
    ##############################################################################
    # TODO: Implement the architecture above as an nn.Sequential.                #
    ##############################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    raise NotImplementedError('build_dc_generator: Linear->1024, ReLU, BatchNorm1d, Linear->7*7*128, ReLU, BatchNorm1d, Unflatten(-1, 128, 7, 7), ConvTranspose2d(128, 64, 4, 2, 1), ReLU, BatchNorm2d, ConvTranspose2d(64, 1, 4, 2, 1), Tanh, Flatten')
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return model


def run_a_gan(D, G, D_solver, G_solver, discriminator_loss, generator_loss, loader_train, show_every=250,
              batch_size=128, noise_size=NOISE_DIM, num_epochs=10, show=None):
    """
    Train a GAN!

    Inputs:
    - D, G: PyTorch models for the discriminator and generator
    - D_solver, G_solver: torch.optim Optimizers to use for training the
      discriminator and generator.
    - discriminator_loss, generator_loss: Functions to use for computing the generator and
      discriminator loss, respectively.
    - loader_train: the DataLoader of real images (N, 1, 28, 28) with values in [0, 1].
    - show_every: Show samples after every show_every iterations.
    - batch_size: Batch size to use for training.
    - noise_size: Dimension of the noise to use as input to the generator.
    - num_epochs: Number of epochs over the training dataset to use for training.
    - show: called with the 16 first generated images (a numpy array (16, 784)) every show_every
      iterations, e.g. show_images; None to only print the losses.

    Returns the list of those image arrays.
    """
    images = []
    iter_count = 0
    for epoch in range(num_epochs):
        for x, _ in loader_train:
            if len(x) != batch_size:
                continue
            D_solver.zero_grad()
            real_data = x.type(dtype)
            logits_real = D(2 * (real_data - 0.5)).type(dtype)

            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed).detach()
            logits_fake = D(fake_images.view(batch_size, 1, 28, 28))

            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_fake_seed = sample_noise(batch_size, noise_size).type(dtype)
            fake_images = G(g_fake_seed)

            gen_logits_fake = D(fake_images.view(batch_size, 1, 28, 28))
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            if iter_count % show_every == 0:
                print('Iter: {}, D: {:.4}, G:{:.4}'.format(iter_count, d_total_error.item(), g_error.item()))
                imgs_numpy = fake_images.data.cpu().numpy()[:16]
                images.append(imgs_numpy)
                if show is not None:
                    show(imgs_numpy)
            iter_count += 1
    return images


class Flatten(nn.Module):
    def forward(self, x):
        N, C, H, W = x.size()  # read in N, C, H, W
        return x.view(N, -1)  # "flatten" the C * H * W values into a single vector per image


class Unflatten(nn.Module):
    """
    An Unflatten module receives an input of shape (N, C*H*W) and reshapes it
    to produce an output of shape (N, C, H, W).
    """

    def __init__(self, N=-1, C=128, H=7, W=7):
        super(Unflatten, self).__init__()
        self.N = N
        self.C = C
        self.H = H
        self.W = W

    def forward(self, x):
        return x.view(self.N, self.C, self.H, self.W)


def initialize_weights(m):
    """Xavier-uniform weights for the fully connected and transposed convolution layers
    (use with model.apply(initialize_weights))."""
    if isinstance(m, nn.Linear) or isinstance(m, nn.ConvTranspose2d):
        nn.init.xavier_uniform_(m.weight.data)


def preprocess_img(x):
    return 2 * x - 1.0


def deprocess_img(x):
    return (x + 1.0) / 2.0


def rel_error(x, y):
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def count_params(model):
    """Count the number of parameters in the model."""
    param_count = np.sum([np.prod(p.size()) for p in model.parameters()])
    return param_count


def show_images(images):
    """Show a square grid of images given as an array (N, 784) (or (N, 1, 28, 28))."""
    import matplotlib.gridspec as gridspec
    import matplotlib.pyplot as plt

    images = np.reshape(images, [images.shape[0], -1])  # images reshape to (batch_size, D)
    sqrtn = int(np.ceil(np.sqrt(images.shape[0])))
    sqrtimg = int(np.ceil(np.sqrt(images.shape[1])))

    fig = plt.figure(figsize=(sqrtn, sqrtn))
    gs = gridspec.GridSpec(sqrtn, sqrtn)
    gs.update(wspace=0.05, hspace=0.05)

    for i, img in enumerate(images):
        ax = plt.subplot(gs[i])
        plt.axis('off')
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_aspect('equal')
        plt.imshow(img.reshape([sqrtimg, sqrtimg]))
    plt.show()
    return
