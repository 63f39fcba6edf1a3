"""GANs hidden checks: the losses and the four networks against the reference on random inputs.

The networks are compared by behaviour, not by their layer names: the student's network must have
the reference's parameter shapes in the same order, and, given the reference's (random) weights,
compute the reference's outputs in float64.
"""
import pytest
import torch

from gradekit.autograde.checks import assert_close

pytestmark = pytest.mark.notebook("GANs")
G = "cs231n.gan."
OPS = "gradekit.autograde.torch_ops."
LOSSES = {"discriminator_loss": 2, "generator_loss": 1, "ls_discriminator_loss": 2, "ls_generator_loss": 1}


@pytest.mark.points(0.25)
@pytest.mark.parametrize("loss", list(LOSSES))
def test_loss_matches_the_reference_on_random_logits(student, reference, rng, loss):
    N = int(rng.integers(2, 40))
    logits = [torch.from_numpy(rng.normal(scale=3, size=(N, 1))) for _ in range(LOSSES[loss])]
    mine, ref = student.call(G + loss, *logits), reference.call(G + loss, *logits)
    assert isinstance(mine, torch.Tensor) and mine.numel() == 1, f"{loss} should return a torch scalar"
    assert_close(mine.detach().reshape(()).double().numpy(), ref.detach().double().numpy(), tol=1e-9, what=loss,
                 where=f"{N} random logits (N, 1) in float64")


def cases(rng):
    """{network: (arguments, input, forward mode)} with random sizes."""
    N, noise_dim = int(rng.integers(2, 12)), int(rng.integers(2, 20))
    images = rng.uniform(-1, 1, size=(N, 1, 28, 28))
    noise = rng.uniform(-1, 1, size=(N, noise_dim))
    return {
        "discriminator": ((), images, "eval"),
        "generator": ((noise_dim,), noise, "eval"),
        "build_dc_classifier": ((N,), images, "eval"),
        "build_dc_generator": ((noise_dim,), noise, "train"),  # batchnorm on the batch, as in training
    }


@pytest.mark.points(0.5)
@pytest.mark.parametrize("name", ["discriminator", "generator", "build_dc_classifier", "build_dc_generator"])
def test_network_matches_the_reference_given_its_weights(student, reference, rng, name):
    args, x, mode = cases(rng)[name]
    where = f"{name}{args if len(args) != 1 else f'({args[0]})'} on input {x.shape}"
    ref_model = reference.call(G + name, *args, seed=int(rng.integers(2**31)))
    model = student.call(G + name, *args, keep=True)
    mine, theirs = student.call(OPS + "shapes", model), reference.call(OPS + "shapes", ref_model)
    assert [s for _, s in mine] == [s for _, s in theirs], \
        f"{name}: parameter and buffer shapes {[s for _, s in mine]}, expected {[s for _, s in theirs]} (in order)"
    student.call(OPS + "load_state", model, reference.call(OPS + "state_dict", ref_model), by_order=True)
    out = student.call(OPS + "forward", model, x, mode=mode, dtype="float64")
    expected = reference.call(OPS + "forward", ref_model, x, mode=mode, dtype="float64")
    assert isinstance(out, torch.Tensor), f"{name} should return a torch tensor, got {type(out).__name__}"
    assert_close(out.numpy(), expected.numpy(), tol=1e-7, what=f"{name} output with the reference's weights",
                 where=where)
