"""The shared mini-batch training loop: what it computes, when it stops, and its error messages."""

import math

import pytest
import torch
from torch import nn

from course_utils.checks import tolerance
from course_utils.training import History, evaluate, train


def _data(n=64, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return X, y


def _sgd(lr):
    return lambda params: torch.optim.SGD(params, lr=lr)


def _linear(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(3, 1)


def test_full_batch_equals_hand_written_gradient_descent():
    X, y = _data()
    model = _linear()
    w, b = model.weight.detach().clone(), model.bias.detach().clone()
    history = train(model, nn.MSELoss(), (X, y), _sgd(0.1), steps=5)
    for _ in range(5):  # the same five steps by hand: gradient of the mean squared error
        residual = X @ w.T + b - y
        w -= 0.1 * 2 * (residual * X).mean(0, keepdim=True)
        b -= 0.1 * 2 * residual.mean(0)
    # The same float32 steps, summed in another order: rounding of values of the weights' size.
    tol = tolerance(torch.float32, max(float(w.abs().max()), float(b.abs().max()), 1.0))
    torch.testing.assert_close(model.weight.detach(), w, atol=tol, rtol=0)
    torch.testing.assert_close(model.bias.detach(), b, atol=tol, rtol=0)
    assert history.step == [1, 2, 3, 4, 5] and history.batch_size == len(X)
    assert history.loss == sorted(history.loss, reverse=True)  # gradient descent on a bowl


def test_each_epoch_visits_every_row_once_in_a_fresh_order():
    X = torch.arange(10.0)[:, None]
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            seen.append(x[:, 0].tolist())
            return x * self.w

    train(Recorder(), nn.MSELoss(), (X, X), _sgd(0.0), batch_size=3, epochs=2, seed=1)
    assert len(seen) == 6 and all(len(batch) == 3 for batch in seen)  # 10 // 3 = 3 per epoch
    for epoch in (seen[:3], seen[3:]):
        rows = [r for batch in epoch for r in batch]
        assert len(set(rows)) == 9  # no row twice within an epoch; one row skipped
    assert seen[:3] != seen[3:]


def test_same_seed_same_run_other_seed_other_order():
    X, y = _data()
    runs = []
    for seed in (0, 0, 1):
        model = _linear()
        history = train(model, nn.MSELoss(), (X, y), _sgd(0.05), batch_size=8, steps=20, seed=seed)
        runs.append(history)
    assert runs[0].loss == runs[1].loss
    assert runs[0].loss != runs[2].loss


def test_epochs_count_full_batches_and_history_has_one_entry_per_step():
    X, y = _data(n=50)
    history = train(_linear(), nn.MSELoss(), (X, y), _sgd(0.05), batch_size=16, epochs=3)
    assert history.steps_run == 9 and history.examples_seen == 9 * 16
    assert len(history.loss) == len(history.lr) == len(history.seconds) == 9
    assert all(b >= a for a, b in zip(history.seconds, history.seconds[1:]))
    assert history.stop_reason == "done" and not history.reached_target


def test_evaluation_schedule_and_default_eval_data():
    X, y = _data()
    model = _linear()
    history = train(model, nn.MSELoss(), (X, y), _sgd(0.05), batch_size=8, steps=25, eval_every=10)
    assert history.eval_step == [0, 10, 20, 25]
    again = evaluate(model, nn.MSELoss(), (X, y))  # the same float32 computation
    assert abs(history.eval_loss[-1] - again) <= tolerance(torch.float32, again)
    assert history.final_loss == history.eval_loss[-1]
    assert history.eval_loss[-1] < history.eval_loss[0]


def test_target_loss_stops_at_the_first_evaluation_below_it():
    X, y = _data()
    history = train(
        _linear(), nn.MSELoss(), (X, y), _sgd(0.1), steps=500, eval_every=5, target_loss=0.01
    )
    assert history.reached_target and history.eval_loss[-1] <= 0.01
    assert all(v > 0.01 for v in history.eval_loss[:-1])
    assert history.steps_run == history.eval_step[-1] < 500


def test_divergence_stops_early():
    X, y = _data()
    history = train(_linear(), nn.MSELoss(), (X, y), _sgd(10.0), steps=10_000)
    assert history.diverged and history.steps_run < 10_000
    assert not math.isfinite(history.loss[-1])


def test_optimizer_instance_factory_and_scheduler_are_used():
    X, y = _data()
    model = _linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = train(
        model,
        nn.MSELoss(),
        (X, y),
        opt,
        steps=6,
        scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    )
    expected = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]  # halving is exact; a few ulps of 0.1 at most
    assert all(abs(a - b) <= tolerance(torch.float64, 0.1) for a, b in zip(history.lr, expected))
    assert len(history.lr) == len(expected)


def test_only_trainable_parameters_reach_the_factory_and_frozen_ones_stay():
    X, y = _data()
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    model[0].requires_grad_(False)
    frozen = model[0].weight.detach().clone()
    got = []

    def factory(params):
        params = list(params)
        got.extend(params)
        return torch.optim.SGD(params, lr=0.05)

    train(model, nn.MSELoss(), (X, y), factory, batch_size=16, steps=10)
    assert {id(p) for p in got} == {id(p) for p in model[2].parameters()}
    assert torch.equal(model[0].weight, frozen)


def test_history_of_nothing_has_no_final_loss():
    with pytest.raises(ValueError, match="nothing was recorded"):
        _ = History(batch_size=1).final_loss


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(data=torch.zeros(3)), TypeError, "pair of tensors"),
        (dict(data=(torch.zeros(4, 3), torch.zeros(5, 1))), ValueError, "same number of rows"),
        (dict(data=([1.0], [2.0])), TypeError, "pair of tensors"),
        (dict(batch_size=0), ValueError, "batch_size must be a positive int"),
        (dict(batch_size=1000), ValueError, "larger than the data set"),
        (dict(steps=None), ValueError, "exactly one of steps= and epochs="),
        (dict(epochs=2), ValueError, "exactly one of steps= and epochs="),
        (dict(steps=2.5), ValueError, "steps must be a positive int"),
        (dict(seed=-1), ValueError, "seed must be a non-negative int"),
        (dict(target_loss=0.1), ValueError, "give eval_every as well"),
        (dict(eval_data=_data(8)), ValueError, "eval_every is not"),
        (dict(optimizer="sgd"), TypeError, "optimizer must be"),
        (dict(optimizer=lambda p: None), TypeError, "must return a torch.optim.Optimizer"),
        (
            dict(optimizer=torch.optim.SGD(nn.Linear(3, 1).parameters(), lr=0.1)),
            ValueError,
            "none of this model's parameters",
        ),
        (dict(loss_fn=nn.MSELoss(reduction="none")), ValueError, "must return a scalar"),
        (dict(scheduler=lambda opt: 1), TypeError, "LRScheduler"),
        (dict(model="model"), TypeError, "torch.nn.Module"),
    ],
)
def test_bad_input_gives_a_clear_error(kwargs, error, message):
    args = dict(model=_linear(), loss_fn=nn.MSELoss(), data=_data(), optimizer=_sgd(0.1), steps=3)
    args.update(kwargs)
    model, loss_fn = args.pop("model"), args.pop("loss_fn")
    data, optimizer = args.pop("data"), args.pop("optimizer")
    with pytest.raises(error, match=message):
        train(model, loss_fn, data, optimizer, **args)


def test_frozen_model_is_refused():
    model = _linear().requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        train(model, nn.MSELoss(), _data(), _sgd(0.1), steps=1)


def test_lbfgs_gets_a_closure_and_solves_least_squares():
    X, y = _data()
    model = _linear()
    history = train(
        model,
        nn.MSELoss(),
        (X, y),
        lambda params: torch.optim.LBFGS(params, lr=1.0, max_iter=20),
        steps=3,
        eval_every=1,
    )
    # y is exactly linear in X, so the fit is exact up to float32 rounding: residuals within the
    # rule's tolerance for values the size of y, a mean squared error within its square.
    size = float(y.abs().max())
    assert history.eval_loss[-1] <= tolerance(torch.float32, size) ** 2
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5]]),
                               atol=tolerance(torch.float32, size), rtol=0)


def test_hand_written_optimizer_without_closure_is_stepped():
    class HandSGD(torch.optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p -= group["lr"] * p.grad

    X, y = _data()
    mine, reference = _linear(), _linear()
    train(mine, nn.MSELoss(), (X, y), lambda p: HandSGD(p, lr=0.1), batch_size=8, steps=10)
    train(reference, nn.MSELoss(), (X, y), _sgd(0.1), batch_size=8, steps=10)
    torch.testing.assert_close(mine.weight, reference.weight,  # float32, weights of size ~2
                               atol=tolerance(torch.float32, 2.0), rtol=0)
