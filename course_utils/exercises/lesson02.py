"""Exercises of lesson 02: swish and its derivative, counting parameters, merging linear
layers, and XOR by hand. Each checker says in plain words what is wrong."""

from __future__ import annotations

import torch

from course_utils.exercises import Mismatch, exercise, expect, float_dtype, is_close
from course_utils.messages import say


def _tensor(value, what: str) -> torch.Tensor:
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise Mismatch(say("ex.02.shared.not_a_tensor", what=what,
                           type=type(value).__name__)) from err


def _first_mismatch(got: torch.Tensor, want: torch.Tensor, z: torch.Tensor) -> dict:
    """Where got and want differ most: z there, and both values (for a message's z, got, want)."""
    i = int((got - want).abs().argmax())
    return {"z": float(z[i]), "got": float(got[i]), "want": float(want[i])}


# ------------------------------------------- 1. swish with a slope beta, and its derivative


def swish_and_derivative_solution(
    z: torch.Tensor, beta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    s = 1 / (1 + torch.exp(-beta * z))  # σ(βz)
    # product rule, then chain rule: d/dz σ(βz) = β σ(βz)(1 − σ(βz))
    return z * s, s + z * beta * s * (1 - s)


def _forgets_the_inner_beta(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return z * s, s * (1 + z * (1 - s))


def _derivative_without_product_rule(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return z * s, beta * s * (1 - s)


def _sigmoid_instead_of_swish(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return s, beta * s * (1 - s)


def _ignores_beta(z, beta):
    s = 1 / (1 + torch.exp(-z))  # σ(z): beta never used
    return z * s, s * (1 + z * (1 - s))


def _beta_on_every_term(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return z * s, beta * (s + z * s * (1 - s))


def _sigmoid_slope_is_sigmoid(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return z * s, s + z * beta * s  # σ'(u) taken as σ(u)


def _derivative_is_sigmoid(z, beta):
    s = 1 / (1 + torch.exp(-beta * z))
    return z * s, s


def _uses_autograd_swish(z, beta):
    z = z.clone().requires_grad_(True)
    value = z * torch.sigmoid(beta * z)
    value.sum().backward()
    return value.detach(), z.grad


@exercise(
    reference=swish_and_derivative_solution,
    wrong=[_forgets_the_inner_beta, _derivative_without_product_rule, _sigmoid_instead_of_swish,
           _ignores_beta, _beta_on_every_term, _sigmoid_slope_is_sigmoid, _derivative_is_sigmoid,
           _uses_autograd_swish],
)
def check_swish_and_derivative(swish_and_derivative) -> None:
    """swish_and_derivative(z, beta) -> (z·σ(βz), its derivative) for a tensor z, elementwise."""
    z = torch.linspace(-6, 6, 241, dtype=torch.float64)
    for beta in (1.0, 0.5, 2.0, 5.0):
        try:
            with torch.inference_mode():  # by hand, as the brief says: autograd records nothing
                result = swish_and_derivative(z.clone(), beta)
        except RuntimeError as err:
            if "grad" not in str(err):
                raise
            raise Mismatch(say("ex.02.swish_and_derivative.autograd_off", error=err)) from err
        expect(
            isinstance(result, tuple | list) and len(result) == 2,
            say("ex.02.swish_and_derivative.not_a_pair"),
        )
        dtype = float_dtype(*result)  # float32 or NumPy answers are judged at their precision
        value, derivative = (_tensor(r, "each returned value").clone() for r in result)
        expect(
            value.shape == z.shape and derivative.shape == z.shape,
            say("ex.02.swish_and_derivative.wrong_shape", shape=tuple(z.shape)),
        )
        z_grad = z.clone().requires_grad_(True)
        want_value = z_grad * torch.sigmoid(beta * z_grad)
        want_value.sum().backward()
        want_value, want_derivative = want_value.detach(), z_grad.grad
        sigma = torch.sigmoid(beta * z)
        if is_close(value, sigma, dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.sigmoid_not_swish"))
        if beta != 1.0 and is_close(value, z * torch.sigmoid(z), dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.beta_missing", beta=beta))
        expect(
            is_close(value, want_value, dtype=dtype),
            say("ex.02.swish_and_derivative.wrong_value", beta=beta,
                **_first_mismatch(value, want_value, z)),
        )
        if is_close(derivative, beta * sigma * (1 - sigma), dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.one_term"))
        if beta != 1.0 and is_close(derivative, sigma * (1 + z * (1 - sigma)), dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.inner_derivative_missing", beta=beta))
        if is_close(derivative, sigma, dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.first_term_only"))
        if beta != 1.0 and is_close(derivative, beta * (sigma + z * sigma * (1 - sigma)),
                                    dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.beta_on_both_terms", beta=beta))
        if is_close(derivative, sigma + z * beta * sigma, dtype=dtype):
            expect(False, say("ex.02.swish_and_derivative.sigmoid_slope"))
        expect(
            is_close(derivative, want_derivative, dtype=dtype),
            say("ex.02.swish_and_derivative.wrong_derivative", beta=beta,
                **_first_mismatch(derivative, want_derivative, z)),
        )


# ----------------------------------------------------------------- 2. count the parameters


def count_parameters_solution(layer_sizes: list[int]) -> int:
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))


def _weights_only(layer_sizes):
    return sum(n_in * n_out for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))


def _bias_per_input(layer_sizes):
    return sum(n_in * n_out + n_in for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))


def _counts_neurons(layer_sizes):
    return sum(layer_sizes)


@exercise(
    reference=count_parameters_solution, wrong=[_weights_only, _bias_per_input, _counts_neurons]
)
def check_count_parameters(count_parameters) -> None:
    """count_parameters(layer_sizes) -> number of weights and biases of a stack of
    fully connected layers, e.g. [2, 3, 1] -> 13."""
    cases = [[2, 3, 1], [3, 1], [4, 8, 8, 2], [768, 3072, 768]]
    for sizes in cases:
        layers = [torch.nn.Linear(a, b, device="meta") for a, b in zip(sizes, sizes[1:])]
        want = sum(p.numel() for layer in layers for p in layer.parameters())
        got = count_parameters(list(sizes))
        expect(isinstance(got, int),
               say("ex.02.count_parameters.not_an_int", type=type(got).__name__))
        if got == _weights_only(sizes) and got != want:
            expect(False, say("ex.02.count_parameters.weights_only", sizes=sizes, got=got))
        expect(got == want, say("ex.02.count_parameters.wrong", sizes=sizes, want=want, got=got))


# --------------------------------------------------- 3. two linear layers are one linear layer


def merge_linear_solution(W1, b1, W2, b2):
    return W2 @ W1, W2 @ b1 + b2


def _merge_wrong_order(W1, b1, W2, b2):
    return W1 @ W2, W2 @ b1 + b2


def _merge_adds_biases(W1, b1, W2, b2):
    return W2 @ W1, b1 + b2


def _merge_forgets_second_bias(W1, b1, W2, b2):
    return W2 @ W1, W2 @ b1


def _merge_b2_through_W2(W1, b1, W2, b2):
    return W2 @ W1, W2 @ (b1 + b2)  # only works when the shapes happen to allow it


@exercise(
    reference=merge_linear_solution,
    wrong=[_merge_wrong_order, _merge_adds_biases, _merge_forgets_second_bias,
           _merge_b2_through_W2],
)
def check_merge_linear(merge_linear) -> None:
    """merge_linear(W1, b1, W2, b2) -> (W, b) with W x + b == W2 (W1 x + b1) + b2 for all x."""
    generator = torch.Generator().manual_seed(2)
    for n_in, n_hidden, n_out in [(3, 3, 3), (4, 5, 2), (2, 3, 1)]:
        W1 = torch.randn(n_hidden, n_in, generator=generator, dtype=torch.float64)
        b1 = torch.randn(n_hidden, generator=generator, dtype=torch.float64)
        W2 = torch.randn(n_out, n_hidden, generator=generator, dtype=torch.float64)
        b2 = torch.randn(n_out, generator=generator, dtype=torch.float64)
        result = merge_linear(W1.clone(), b1.clone(), W2.clone(), b2.clone())
        expect(isinstance(result, tuple | list) and len(result) == 2,
               say("ex.02.merge_linear.not_a_pair"))
        dtype = float_dtype(*result)
        W, b = (_tensor(r, "W and b") for r in result)
        # A matrix product rounds relative to the size of the terms it sums, |W2| |W1|, which
        # can exceed the size of the result.
        w_scale = float((W2.abs() @ W1.abs()).max())
        b_scale = float((W2.abs() @ b1.abs() + b2.abs()).max())
        expect(
            W.shape == (n_out, n_in),
            say("ex.02.merge_linear.wrong_w_shape", w1_shape=tuple(W1.shape),
                w2_shape=tuple(W2.shape), n_out=n_out, n_in=n_in, w_shape=tuple(W.shape)),
        )
        expect(b.shape == (n_out,),
               say("ex.02.merge_linear.wrong_b_shape", n_out=n_out, b_shape=tuple(b.shape)))
        expect(
            is_close(W, W2 @ W1, dtype=dtype, scale=w_scale), say("ex.02.merge_linear.wrong_order")
        )
        expect(
            not is_close(b, W2 @ b1, dtype=dtype, scale=b_scale),
            say("ex.02.merge_linear.second_bias_missing"),
        )
        if n_out == n_hidden:
            expect(
                not is_close(b, W2 @ b1 + W2 @ b2, dtype=dtype, scale=2 * b_scale),
                say("ex.02.merge_linear.b2_through_w2"),
            )
        if n_hidden == n_out:
            expect(
                not is_close(b, b1 + b2, dtype=dtype, scale=b_scale),
                say("ex.02.merge_linear.b1_not_through_w2"),
            )
        expect(
            is_close(b, W2 @ b1 + b2, dtype=dtype, scale=b_scale), say("ex.02.merge_linear.wrong_b")
        )


# -------------------------------------------------------------------- 4. XOR by hand

XOR_INPUTS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
XOR_TARGETS = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)


def xor_weights_solution():
    W1 = torch.tensor([[1.0, 1.0], [1.0, 1.0]])  # both hidden neurons see x1 + x2
    b1 = torch.tensor([0.0, -1.0])  # h1 = relu(x1 + x2), h2 = relu(x1 + x2 - 1): on only at (1, 1)
    W2 = torch.tensor([[1.0, -2.0]])  # y = h1 - 2 h2: 0, 1, 1, 2 - 2 = 0
    b2 = torch.tensor([0.0])
    return W1, b1, W2, b2


def _or_weights():
    W1 = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    b1 = torch.tensor([0.0, -1.0])
    W2 = torch.tensor([[1.0, -1.0]])  # y = min(x1 + x2, 1): that is OR
    return W1, b1, W2, torch.tensor([0.0])


def _linear_in_disguise():
    W1 = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    b1 = torch.tensor([1.0, 1.0])  # never below 0: relu does nothing, the network is linear
    W2 = torch.tensor([[0.25, 0.25]])
    return W1, b1, W2, torch.tensor([0.0])


def _and_weights():
    W1 = torch.tensor([[1.0, 1.0]])
    b1 = torch.tensor([-1.0])
    return W1, b1, torch.tensor([[1.0]]), torch.tensor([0.0])


def xor_network(params, x: torch.Tensor) -> torch.Tensor:
    """y = W2 relu(W1 x + b1) + b2 for each row of x; params = (W1, b1, W2, b2)."""
    W1, b1, W2, b2 = (_tensor(p, "each of W1, b1, W2, b2") for p in params)
    return (torch.relu(x @ W1.T + b1) @ W2.T + b2).reshape(-1)


@exercise(reference=xor_weights_solution, wrong=[_or_weights, _linear_in_disguise, _and_weights])
def check_xor_weights(xor_weights) -> None:
    """xor_weights() -> (W1, b1, W2, b2) such that y = W2 relu(W1 x + b1) + b2 is XOR on the
    four corners (0,0), (0,1), (1,0), (1,1) exactly."""
    params = xor_weights()
    expect(isinstance(params, tuple | list) and len(params) == 4,
           say("ex.02.xor_weights.not_four"))
    dtype = float_dtype(*params)  # weights like 1/3 are rounded to this precision
    W1, b1, W2, b2 = (_tensor(p, "each of W1, b1, W2, b2") for p in params)
    k = W1.shape[0] if W1.ndim == 2 else -1
    expect(W1.ndim == 2 and W1.shape[1] == 2,
           say("ex.02.xor_weights.w1_shape", shape=tuple(W1.shape)))
    expect(b1.shape == (k,), say("ex.02.xor_weights.b1_shape", hidden=k, shape=tuple(b1.shape)))
    expect(W2.shape == (1, k), say("ex.02.xor_weights.w2_shape", hidden=k, shape=tuple(W2.shape)))
    expect(b2.numel() == 1, say("ex.02.xor_weights.b2_shape", shape=tuple(b2.shape)))
    y = xor_network((W1, b1, W2, b2), XOR_INPUTS)
    # The outputs sum terms of at most this size (all weights and inputs taken positive).
    scale = float(xor_network((W1.abs(), b1.abs(), W2.abs(), b2.abs()), XOR_INPUTS).max())
    table = ", ".join(
        say("ex.02.xor_weights.corner", corner=tuple(int(v) for v in x), output=float(out))
        for x, out in zip(XOR_INPUTS, y)
    )
    exact_xor = is_close(y, XOR_TARGETS, dtype=dtype, scale=scale)
    if is_close(y[0] + y[3], y[1] + y[2], dtype=dtype, scale=2 * scale) and not exact_xor:
        expect(False, say("ex.02.xor_weights.linear", table=table))
    expect(exact_xor, say("ex.02.xor_weights.not_xor", table=table))
