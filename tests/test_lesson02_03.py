"""Lesson 02 and 03 helpers: the exercise references are right for the reasons the lessons
give, the checkers name the mistake, and the figures are titled."""

import math

import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F

from course_utils.checks import tolerance
from course_utils.exercises import CORRECT, WRONG
from course_utils.exercises import lesson02 as ex02
from course_utils.exercises import lesson03 as ex03
from course_utils.figures import lesson02 as fig02
from course_utils.figures import lesson03 as fig03
from course_utils.landscapes import descend, quadratic

# ------------------------------------------------------------------------------ lesson 02


def test_swish_with_beta_one_is_torch_silu_and_large_beta_approaches_relu():
    z = torch.linspace(-5, 5, 101, dtype=torch.float64)
    value, derivative = ex02.swish_and_derivative_solution(z, 1.0)
    assert torch.allclose(value, F.silu(z), atol=tolerance(torch.float64, 5.0), rtol=0)
    z_grad = z.clone().requires_grad_(True)
    F.silu(z_grad).sum().backward()
    assert torch.allclose(derivative, z_grad.grad, atol=tolerance(torch.float64, 1.1), rtol=0)
    steep, _ = ex02.swish_and_derivative_solution(z, 50.0)
    # |z σ(βz) - relu(z)| = |z| σ(-β|z|) = u σ(-u) / β with u = β|z|; u σ(-u) peaks at 0.2785
    # (minus SiLU's minimum), so swish stays within 0.2785 / β of ReLU.
    assert torch.allclose(steep, torch.relu(z), atol=0.2785 / 50 + tolerance(torch.float64, 5.0),
                          rtol=0)


def test_count_parameters_matches_torch_and_gpt2_mlp():
    for sizes in ([2, 3, 1], [5, 7], [3, 4, 4, 2]):
        layers = [torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]
        assert ex02.count_parameters_solution(sizes) == sum(
            p.numel() for layer in layers for p in layer.parameters()
        )
    assert ex02.count_parameters_solution([768, 3072, 768]) == 4_722_432


def test_merged_layer_computes_the_same_function():
    gen = torch.Generator().manual_seed(0)
    W1, b1 = torch.randn(4, 3, generator=gen), torch.randn(4, generator=gen)
    W2, b2 = torch.randn(2, 4, generator=gen), torch.randn(2, generator=gen)
    W, b = ex02.merge_linear_solution(W1, b1, W2, b2)
    x = torch.randn(10, 3, generator=gen)
    # float32 sums in another order: rounding relative to their terms, all taken positive
    scale = float(((x.abs() @ W1.abs().T + b1.abs()) @ W2.abs().T + b2.abs()).max())
    assert torch.allclose(x @ W.T + b, (x @ W1.T + b1) @ W2.T + b2,
                          atol=tolerance(torch.float32, scale), rtol=0)


def test_xor_reference_is_exact_and_a_linear_network_is_called_linear():
    out = ex02.xor_network(ex02.xor_weights_solution(), ex02.XOR_INPUTS)
    assert torch.equal(out, ex02.XOR_TARGETS)
    verdict = ex02.check_xor_weights(ex02._linear_in_disguise, quiet=True)
    assert verdict.status == WRONG and "linear model" in verdict.message


def test_xor_checker_accepts_another_correct_network():
    def three_hidden():  # h = relu(x1 - x2), relu(x2 - x1), and an idle neuron
        W1 = torch.tensor([[1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]])
        return W1, torch.zeros(3), torch.tensor([[1.0, 1.0, 5.0]]), torch.tensor([0.0])

    assert ex02.check_xor_weights(three_hidden, quiet=True).status == CORRECT


# ------------------------------------------------------------------------------ lesson 03


def test_neuron_gradient_reference_matches_autograd():
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(12, generator=gen, dtype=torch.float64), torch.rand(12, generator=gen)
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-0.3, dtype=torch.float64, requires_grad=True)
    ((torch.sigmoid(w * x + b) - y) ** 2).mean().backward()
    dw, db = ex03.neuron_gradient_solution(0.7, -0.3, x, y.double())
    tol = tolerance(torch.float64, ex03.neuron_gradient_scale(0.7, -0.3, x, y.double()))
    assert abs(float(dw) - float(w.grad)) <= tol and abs(float(db) - float(b.grad)) <= tol


def test_numerical_gradient_rejects_autograd_in_plain_words():
    verdict = ex03.check_numerical_gradient(ex03._uses_autograd, quiet=True)
    assert verdict.status == WRONG and "finite differences" in verdict.message


@pytest.mark.parametrize("a, b", ex03.BOWLS)
def test_reference_learning_rate_is_inside_the_stability_limit(a, b):
    lr = ex03.learning_rate_for_bowl_solution(a, b)
    assert 0 < lr < 2 / max(a, b)
    # 2 / (a + b) makes both coordinates shrink by the same factor (b - a) / (b + a).
    assert abs(abs(1 - lr * a) - abs(1 - lr * b)) <= tolerance(torch.float64, 1.0)
    path = descend(quadratic(a, b), ex03.BOWL_START, ex03.BOWL_STEPS, lr=lr)
    assert path.losses[-1] <= ex03.BOWL_DROP * path.losses[0]


def test_learning_rate_checker_says_diverges_or_too_slow():
    diverging = ex03.check_learning_rate_for_bowl(ex03._fixed_step, quiet=True)
    assert diverging.status == WRONG and "diverges" in diverging.message
    slow = ex03.check_learning_rate_for_bowl(ex03._timid, quiet=True)
    assert slow.status == WRONG and "fell only" in slow.message


def test_descend_until_converged_stops_at_the_first_small_gradient():
    def grad(w):
        return 2 * (w - 3)  # L = (w - 3)^2

    w, steps = ex03.descend_until_converged_solution(grad, torch.tensor([-1.0]), 0.1, 1e-3)
    assert abs(float(grad(w))) < 1e-3
    # the distance shrinks by 0.8 a step from 4: the gradient 2 * 4 * 0.8^t < 1e-3 first at t
    assert steps == math.ceil(math.log(1e-3 / 8) / math.log(0.8))


# ------------------------------------------------------------------------------ figures


@pytest.mark.parametrize("make", [fig02.neuron, fig02.network, fig03.backprop])
def test_figures_have_titles(make):
    fig = make()
    assert fig.axes[0].get_title()
    plt.close(fig)
