"""A small mini-batch training loop for toy experiments: small torch models, in-memory tensors.

Lessons use it when the loop is not what they teach, so that their code stays about the idea
(batch size, learning rate, schedules, optimizers, losses). One call trains and returns a
History of what happened:

    history = train(model, nn.MSELoss(), (X, y), lambda p: torch.optim.SGD(p, lr=0.1),
                    batch_size=32, steps=500, eval_every=50, target_loss=0.01)
    history.step, history.loss, history.seconds       # one entry per optimizer step
    history.eval_step, history.eval_loss              # one entry per evaluation
    history.stop_reason                               # "done", "target" or "diverged"

Each epoch visits the rows in a fresh random order, in batches of `batch_size`; a last batch
smaller than that is skipped, so every step sees exactly `batch_size` rows (the next epoch
reshuffles, so no row is left out for good). The batch order comes from `seed` alone (by default
the course's seed, COURSE_SEED).
"""

from __future__ import annotations

import inspect
import math
import numbers
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from course_utils import switches

OptimizerFactory = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]
SchedulerFactory = Callable[[torch.optim.Optimizer], torch.optim.lr_scheduler.LRScheduler]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

STOP_REASONS = ("done", "target", "diverged")


@dataclass
class History:
    """What one call of train() recorded.

    Per optimizer step (lists of equal length): `step` (1, 2, ...), `loss` (the loss of that
    step's batch, before the update), `lr` (the learning rate the step used, of the first
    parameter group) and `seconds` (training wall-clock time since the start, after the step;
    time spent evaluating is not counted). Per evaluation: `eval_step` (0 is before training),
    `eval_loss` and `eval_seconds`. `stop_reason` is "done" (all steps ran), "target" (an
    evaluation reached target_loss) or "diverged" (a loss became infinite or NaN).
    """

    batch_size: int
    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    eval_seconds: list[float] = field(default_factory=list)
    stop_reason: str = "done"

    @property
    def steps_run(self) -> int:
        """How many optimizer steps ran."""
        return self.step[-1] if self.step else 0

    @property
    def examples_seen(self) -> int:
        """Rows processed by the optimizer steps: steps x batch size."""
        return self.steps_run * self.batch_size

    @property
    def final_loss(self) -> float:
        """The last evaluation's loss if there were evaluations, else the last batch loss."""
        if self.eval_loss:
            return self.eval_loss[-1]
        if self.loss:
            return self.loss[-1]
        raise ValueError("nothing was recorded: train for at least one step.")

    @property
    def reached_target(self) -> bool:
        return self.stop_reason == "target"

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "diverged"


def _check_data(data) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError("data must be a pair of tensors (inputs, targets), e.g. (X, y).")
    inputs, targets = data
    if not isinstance(inputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError(
            "data must be a pair of tensors (inputs, targets), not "
            f"({type(inputs).__name__}, {type(targets).__name__})."
        )
    if inputs.ndim == 0 or targets.ndim == 0 or len(inputs) != len(targets):
        raise ValueError(
            "inputs and targets must have one row per example, the same number of rows: got "
            f"shapes {tuple(inputs.shape)} and {tuple(targets.shape)}."
        )
    if len(inputs) == 0:
        raise ValueError("data is empty: there are no rows to train on.")
    return inputs, targets


def _positive_int(value, name: str, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}.")
    return int(value)


def _make_optimizer(model: nn.Module, optimizer) -> torch.optim.Optimizer:
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("the model has no trainable parameters (all have requires_grad=False).")
    if isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    elif callable(optimizer):
        opt = optimizer(trainable)
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(
                "the optimizer factory must return a torch.optim.Optimizer, e.g. "
                f"lambda params: torch.optim.SGD(params, lr=0.1); it returned {type(opt).__name__}."
            )
    else:
        raise TypeError(
            "optimizer must be a torch.optim.Optimizer or a function of the parameters that "
            f"makes one, e.g. lambda params: torch.optim.SGD(params, lr=0.1); not {optimizer!r}."
        )
    model_params = {id(p) for p in model.parameters()}
    held = [p for group in opt.param_groups for p in group["params"]]
    if not any(id(p) in model_params for p in held):
        raise ValueError(
            "the optimizer holds none of this model's parameters: was it made for another "
            "model instance? Pass a factory (lambda params: ...) to build it for this model."
        )
    return opt


def _needs_closure(opt: torch.optim.Optimizer) -> bool:
    """True for optimizers such as L-BFGS whose step() requires a closure argument."""
    try:
        parameter = inspect.signature(opt.step).parameters.get("closure")
    except (TypeError, ValueError):
        return False
    return parameter is not None and parameter.default is inspect.Parameter.empty


def _sync(device: torch.device) -> None:
    """Wait for queued GPU work, so that the clock measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def evaluate(model: nn.Module, loss_fn: LossFn, data) -> float:
    """The loss of `model` on all of `data` at once, in eval mode, without gradients."""
    inputs, targets = _check_data(data)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        value = loss_fn(model(inputs.to(device)), targets.to(device))
    finally:
        model.train(was_training)
    return float(value)


def train(
    model: nn.Module,
    loss_fn: LossFn,
    data: tuple[torch.Tensor, torch.Tensor],
    optimizer: torch.optim.Optimizer | OptimizerFactory,
    *,
    batch_size: int | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    eval_every: int | None = None,
    eval_data: tuple[torch.Tensor, torch.Tensor] | None = None,
    target_loss: float | None = None,
    scheduler: SchedulerFactory | None = None,
) -> History:
    """Train `model` with mini-batches of `data` and return a History.

    Args:
        model: a torch module; it is trained in place, on the device its parameters are on.
        loss_fn: `loss_fn(model(inputs), targets)` gives a scalar loss, e.g. nn.MSELoss().
        data: `(inputs, targets)` tensors with one row per example.
        optimizer: a torch optimizer, or a factory called with the model's trainable
            parameters, e.g. `lambda params: torch.optim.SGD(params, lr=0.1)`. A factory is
            safer: it builds a fresh optimizer for this model. Its step() is called after
            backward(); optimizers whose step() requires a closure (L-BFGS) get one.
        batch_size: rows per step; None means the full data set (full-batch gradient descent).
        steps / epochs: how long to train; give exactly one. An epoch is len(data) //
            batch_size steps.
        seed: seeds the batch order and torch's global generator (for dropout and the like);
            None means the course's seed, COURSE_SEED (0 unless set).
        eval_every: evaluate `loss_fn` on `eval_data` before training and every `eval_every`
            steps (and after the last step).
        eval_data: what to evaluate on; defaults to the whole training data.
        target_loss: stop at the first evaluation whose loss is at or below it (needs
            eval_every): "steps to reach a target loss".
        scheduler: a factory called with the optimizer that returns a learning-rate scheduler,
            e.g. `lambda opt: torch.optim.lr_scheduler.StepLR(opt, 100, 0.5)`; stepped after
            every optimizer step.

    Training stops early when a batch loss or an evaluation is infinite or NaN
    (stop_reason "diverged"), so a learning rate that is too large ends quickly.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}.")
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable as loss_fn(predictions, targets).")
    inputs, targets = _check_data(data)
    n = len(inputs)
    batch_size = _positive_int(batch_size, "batch_size")
    batch_size = n if batch_size is None else batch_size
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} is larger than the data set ({n} rows).")
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps= and epochs=.")
    steps_per_epoch = n // batch_size
    total = _positive_int(steps, "steps") if steps is not None else None
    if epochs is not None:
        total = _positive_int(epochs, "epochs", allow_none=False) * steps_per_epoch
    if seed is None:
        seed = switches.seed()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, not {seed!r}.")
    eval_every = _positive_int(eval_every, "eval_every")
    if eval_data is not None:
        _check_data(eval_data)
        if eval_every is None:
            raise ValueError("eval_data is given but eval_every is not: say how often to evaluate.")
    if target_loss is not None:
        if eval_every is None:
            raise ValueError(
                "target_loss is checked at evaluations: give eval_every as well, e.g. "
                "eval_every=10 (batch losses are too noisy to stop on)."
            )
        if not isinstance(target_loss, (int, float)) or math.isnan(target_loss):
            raise ValueError(f"target_loss must be a number, not {target_loss!r}.")

    params = list(model.parameters())
    if not params:
        raise ValueError("the model has no parameters to train.")
    device = params[0].device
    opt = _make_optimizer(model, optimizer)
    needs_closure = _needs_closure(opt)
    sched = scheduler(opt) if scheduler is not None else None
    if sched is not None and not isinstance(sched, torch.optim.lr_scheduler.LRScheduler):
        raise TypeError(
            "the scheduler factory must return a torch.optim.lr_scheduler.LRScheduler, e.g. "
            "lambda opt: transformers.get_cosine_schedule_with_warmup(opt, 10, 100)."
        )

    inputs, targets = inputs.to(device), targets.to(device)
    eval_set = (inputs, targets) if eval_data is None else eval_data
    torch.manual_seed(int(seed))
    generator = torch.Generator().manual_seed(int(seed))
    history = History(batch_size=batch_size)
    model.train()

    def record_eval(step: int, elapsed: float) -> bool:
        """Evaluate; True if training should stop (target reached or diverged)."""
        value = evaluate(model, loss_fn, eval_set)
        history.eval_step.append(step)
        history.eval_loss.append(value)
        history.eval_seconds.append(elapsed)
        if not math.isfinite(value):
            history.stop_reason = "diverged"
            return True
        if target_loss is not None and value <= target_loss:
            history.stop_reason = "target"
            return True
        return False

    elapsed = 0.0
    if eval_every is not None and record_eval(0, elapsed):
        return history
    order = torch.empty(0, dtype=torch.long)
    for step in range(1, total + 1):
        _sync(device)
        start = time.perf_counter()
        position = (step - 1) % steps_per_epoch
        if position == 0:
            order = torch.randperm(n, generator=generator).to(device)
        index = order[position * batch_size : (position + 1) * batch_size]
        lr = float(opt.param_groups[0]["lr"])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs[index]), targets[index])
        if loss.ndim != 0:
            raise ValueError(
                f"loss_fn must return a scalar (one number), not shape {tuple(loss.shape)}: "
                "average over the batch, e.g. nn.MSELoss() with its default reduction='mean'."
            )
        value = float(loss.detach())
        finite = math.isfinite(value)
        if finite:
            loss.backward()
            if needs_closure:  # L-BFGS re-evaluates the loss itself, several times a step

                def closure(x=inputs[index], t=targets[index]) -> torch.Tensor:
                    opt.zero_grad(set_to_none=True)
                    again = loss_fn(model(x), t)
                    again.backward()
                    return again

                opt.step(closure)
            else:
                opt.step()
            if sched is not None:
                sched.step()
        _sync(device)
        elapsed += time.perf_counter() - start
        history.step.append(step)
        history.loss.append(value)
        history.lr.append(lr)
        history.seconds.append(elapsed)
        if not finite:
            history.stop_reason = "diverged"
            return history
        due = eval_every is not None and (step % eval_every == 0 or step == total)
        if due and record_eval(step, elapsed):
            return history
    return history
