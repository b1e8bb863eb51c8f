"""Every exercise checker accepts its reference solution and rejects typical wrong answers."""

import importlib

import pytest

from course_utils.exercises import CORRECT, NOT_ATTEMPTED, WRONG, all_exercises, exercise, expect

EXERCISES = all_exercises()


def test_every_lesson_with_exercises_is_found():
    assert any(name.startswith("course_utils.exercises.lesson01.") for name in EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_solution_is_accepted(name):
    ex = EXERCISES[name]
    verdict = ex(ex.reference, quiet=True)
    assert verdict.status == CORRECT, verdict.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_typical_wrong_answers_are_rejected_in_plain_words(name):
    ex = EXERCISES[name]
    assert ex.wrong, f"{name} lists no typical wrong answers to test against"
    for wrong in ex.wrong:
        verdict = ex(wrong, quiet=True)
        assert verdict.status == WRONG, f"{wrong.__name__} was accepted"
        assert len(verdict.message) > 15


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_untouched_stub_is_not_attempted(name):
    def stub(*args, **kwargs):
        raise NotImplementedError

    assert EXERCISES[name](stub, quiet=True).status == NOT_ATTEMPTED


def _square_solution(x):
    return x * x


@exercise(reference=_square_solution)
def check_square(square):
    expect(square(3) == 9, "square(3) should be 9.")


def test_checker_reports_crashes_and_prints_one_line(capsys):
    verdict = check_square(lambda x: 1 / 0)
    assert not verdict and "ZeroDivisionError" in verdict.message
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("❌ square:")
    assert check_square(_square_solution)
    assert "return x * x" in check_square.solution()


def test_checker_wants_a_function():
    with pytest.raises(TypeError, match="Pass your function itself"):
        check_square(9)


# --- correct answers computed another valid way are accepted (tolerances follow the dtype) ----


def test_float32_and_numpy_answers_are_judged_at_their_own_precision():
    import numpy as np
    import torch

    from course_utils.exercises import lesson02, lesson05, lesson09

    def swish_float32(z, beta):
        value, derivative = lesson02.swish_and_derivative_solution(z.float(), beta)
        return value, derivative

    def swish_numpy(z, beta):
        z = z.numpy()
        s = 1 / (1 + np.exp(-beta * z))
        return z * s, s + beta * z * s * (1 - s)

    def merge_numpy(W1, b1, W2, b2):
        return W2.numpy() @ W1.numpy(), W2.numpy() @ b1.numpy() + b2.numpy()

    def permute_numpy(W1, b1, W2, b2, perm):
        p = perm.numpy()
        return W1.numpy()[p].astype(np.float64), b1.numpy()[p], W2.numpy()[:, p], b2.numpy()

    def scaled_lr_numpy(lr, batch, new_batch, rule="sqrt"):
        ratio = np.float32(new_batch / batch)
        return np.float32(lr) * (np.sqrt(ratio) if rule == "sqrt" else ratio)

    assert lesson02.check_swish_and_derivative(swish_float32, quiet=True)
    assert lesson02.check_swish_and_derivative(swish_numpy, quiet=True)
    assert lesson02.check_merge_linear(merge_numpy, quiet=True)
    assert lesson05.check_permute_hidden_units(permute_numpy, quiet=True)
    assert lesson09.check_scaled_lr(scaled_lr_numpy, quiet=True)
    # The float32 answer is off by float32 rounding, which float64's tolerance would not allow.
    z = torch.linspace(-6, 6, 241, dtype=torch.float64)
    gap = (swish_float32(z, 5.0)[1] - lesson02.swish_and_derivative_solution(z, 5.0)[1]).abs()
    assert gap.max() > 1e-9


def test_other_valid_step_sizes_and_float32_slopes_pass_the_finite_difference_check():
    import torch

    from course_utils.exercises import lesson03

    def step(h):
        return lambda f, w: lesson03.numerical_gradient_solution(f, w, h)

    def into_float32(f, w):  # the slopes stored in a float32 tensor
        return lesson03.numerical_gradient_solution(f, w).to(torch.float32)

    for h in (*lesson03.STEP_RANGE, 3e-6):
        assert lesson03.check_numerical_gradient(step(h), quiet=True), h
    assert lesson03.check_numerical_gradient(into_float32, quiet=True)
    # A forward difference stays wrong even at the small end of the range.
    forward = lambda f, w: lesson03._forward_difference(f, w, lesson03.STEP_RANGE[0])  # noqa: E731
    assert lesson03.check_numerical_gradient(forward, quiet=True).status == WRONG


def test_numbers_from_numpy_and_one_element_tensors_are_numbers():
    import numpy as np
    import torch

    from course_utils.exercises import lesson03, lesson06

    assert lesson03.check_learning_rate_for_bowl(lambda a, b: np.float32(2 / (a + b)), quiet=True)
    assert lesson03.check_learning_rate_for_bowl(lambda a, b: torch.tensor(2 / (a + b)),
                                                 quiet=True)
    edge = lesson03.check_learning_rate_for_bowl(lambda a, b: np.float32(2 / max(a, b)),
                                                 quiet=True)
    assert edge.status == WRONG and "flips sign" in edge.message
    # The Hessian arrives as float32: eigenvalues computed in float32 are right.
    in_float32 = lambda h: 2 / torch.linalg.eigvalsh(h).max()  # noqa: E731
    assert lesson06.check_stability_limit(in_float32, quiet=True)
    assert lesson06.check_cosine_decay(lambda s, t: 0.5 * (1 + np.cos(np.pi * s / t)), quiet=True)


def test_float64_losses_pass_and_half_precision_is_turned_down_with_the_reason():
    import torch

    from course_utils.exercises import lesson08

    def in_float64(logits, targets):
        return lesson08.stable_cross_entropy_solution(logits.double(), targets)

    def in_bfloat16(logits, targets):
        return lesson08.stable_cross_entropy_solution(logits.to(torch.bfloat16), targets)

    assert lesson08.check_stable_cross_entropy(in_float64, quiet=True)
    verdict = lesson08.check_stable_cross_entropy(in_bfloat16, quiet=True)
    assert verdict.status == WRONG and "bfloat16" in verdict.message


# Lessons 04-06: the wrong answers a review named get a message naming the actual mistake, and
# right answers written with NumPy pass.
@pytest.mark.parametrize(("lesson", "checker", "wrong", "words"), [
    ("lesson04", "check_epoch_batches", "_fixed_chunks_in_shuffled_order", "same rows together"),
    ("lesson04", "check_epoch_batches", "_shuffled_within_each_batch", "same rows together"),
    ("lesson04", "check_epoch_batches", "_drops_a_full_last_batch", "the last batch is full"),
    ("lesson04", "check_minibatch_gradient", "_sum_over_n", "divide by the batch size"),
    ("lesson04", "check_critical_batch", "_compares_previous", "not the previous"),
    ("lesson04", "check_critical_batch", "_steps_stop_halving", "not steps alone"),
    ("lesson04", "check_critical_batch", "_at_least_twice", "strictly"),
    ("lesson05", "check_classify_stationary_point", "_determinant_and_trace_2d_rule", "3-D"),
    ("lesson06", "check_stability_limit", "_best_rate_not_limit", "best single rate"),
    ("lesson06", "check_linear_warmup_decay", "_min_of_two_lines", "warmup_steps=0"),
])
def test_named_wrong_answers_get_the_right_message(lesson, checker, wrong, words):
    import importlib

    module = importlib.import_module(f"course_utils.exercises.{lesson}")
    verdict = getattr(module, checker)(getattr(module, wrong), quiet=True)
    assert verdict.status == WRONG and words in verdict.message, verdict.message


def test_numpy_answers_of_lessons_04_05_are_accepted():
    import numpy as np

    from course_utils.exercises import lesson04, lesson05

    def numpy_batches(n, batch_size, seed):
        order = np.random.default_rng(seed).permutation(n)
        return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]

    assert lesson04.check_epoch_batches(numpy_batches, quiet=True).status == CORRECT

    def numpy_restarts(p, risk):
        return np.int64(np.ceil(np.log(risk) / np.log(1 - p) - 1e-12)).clip(min=1)

    assert lesson05.check_restarts_needed(numpy_restarts, quiet=True).status == CORRECT

# --- named mistakes get named diagnoses; correct variants written another way pass ----------

NAMED_MISTAKES = [  # (module, exercise, wrong answer, words the message must contain)
    ("lesson01", "build_example", "_pads_to_max_len", "don't pad"),
    ("lesson02", "merge_linear", "_merge_b2_through_W2", "don't multiply it by W2"),
    ("lesson02", "swish_and_derivative", "_ignores_beta", "beta is missing"),
    ("lesson02", "swish_and_derivative", "_beta_on_every_term", "both terms by β"),
    ("lesson02", "swish_and_derivative", "_sigmoid_slope_is_sigmoid", "not σ(u)"),
    ("lesson02", "swish_and_derivative", "_derivative_is_sigmoid", "first term"),
    ("lesson02", "swish_and_derivative", "_uses_autograd_swish", "autograd is switched off"),
    ("lesson03", "neuron_gradient", "_swapped", "swapped"),
    ("lesson03", "neuron_gradient", "_slope_taken_at_p", "taken at p"),
    ("lesson03", "neuron_gradient", "_forgets_x", "factor x_i"),
    ("lesson03", "neuron_gradient", "_uses_autograd_neuron", "autograd is switched off"),
    ("lesson03", "numerical_gradient", "_forward_difference", "forward"),
    ("lesson03", "numerical_gradient", "_forward_difference_tiny_step", "forward"),
    ("lesson03", "numerical_gradient", "_steps_too_small", "too small"),
    ("lesson03", "numerical_gradient", "_all_coordinates_at_once", "at once"),
    ("lesson03", "numerical_gradient", "_moves_w_and_forgets", "changed w"),
    ("lesson03", "learning_rate_for_bowl", "_one_over_b", "a=10.0, b=1.0"),
    ("lesson03", "descend_until_converged", "_tests_after_update", "before each update"),
    ("lesson03", "descend_until_converged", "_ignores_max_steps", "max_steps"),
    ("lesson03", "descend_until_converged", "_largest_entry_norm", "2-norm"),
    ("lesson03", "descend_until_converged", "_updates_w0_in_place", "changed w0"),
]


@pytest.mark.parametrize(("module", "name", "wrong", "words"), NAMED_MISTAKES)
def test_each_named_mistake_gets_its_own_diagnosis(module, name, wrong, words):
    ex = EXERCISES[f"course_utils.exercises.{module}.{name}"]
    mistake = getattr(importlib.import_module(f"course_utils.exercises.{module}"), wrong)
    assert mistake in ex.wrong, f"{wrong} is not in the checker's wrong=[...] list"
    verdict = ex(mistake, quiet=True)
    assert verdict.status == WRONG and words in verdict.message, verdict.message


def test_correct_answers_written_another_way_pass_lessons_01_to_03():
    import numpy as np
    import torch

    from course_utils.exercises import lesson01, lesson03

    # A NumPy integer is an index.
    assert lesson01.check_prediction_position(lambda m: np.sum(m) - 2, quiet=True)
    # Central differences with a textbook step, and the nudge-and-restore idiom, which may leave
    # w[j] one ulp off.
    assert lesson03.check_numerical_gradient(
        lambda f, w: lesson03.numerical_gradient_solution(f, w, 1e-3), quiet=True)
    assert lesson03.check_numerical_gradient(lesson03.nudge_and_restore, quiet=True)
    # A learning rate as a torch scalar, and another valid one (the edge of the stable range is
    # 2/max(a, b); anything comfortably inside converges).
    assert lesson03.check_learning_rate_for_bowl(lambda a, b: torch.tensor(1.5 / max(a, b)),
                                                 quiet=True)
    # The loop written with a while and a counter, returning a NumPy step count.
    def with_while(grad, w0, lr, tol, max_steps=10_000):
        w, steps = w0.clone(), np.int64(0)
        while steps < max_steps and torch.linalg.vector_norm(grad(w)) >= tol:
            w, steps = w - lr * grad(w), steps + 1
        return w, steps

    assert lesson03.check_descend_until_converged(with_while, quiet=True)


# --- the hints name the actual mistake (lessons 07-09) ------------------------------------------


@pytest.mark.parametrize(("module", "checker", "wrong", "words"), [
    ("lesson07", "check_adam_step", "_adam_paper_efficient_form", "eps to sqrt(v_hat)"),
    ("lesson07", "check_adam_step", "_adam_returns_corrected_state", "bias-corrected m_hat"),
    ("lesson07", "check_adamw_step", "_adamw_decay_after_step", "after Adam's step"),
    ("lesson07", "check_optimizer_state_bytes", "_counts_step_counter", "step counter"),
    ("lesson07", "check_optimizer_state_bytes", "_adds_master_copy", "master copy"),
    ("lesson08", "check_stable_cross_entropy", "_global_max_log_sum_exp", "each row's own"),
    ("lesson08", "check_stable_cross_entropy", "_log_of_softmax", "underflows to 0"),
    ("lesson08", "check_stable_cross_entropy", "_naive_softmax_log", "overflows to inf"),
    ("lesson08", "check_binary_cross_entropy_with_logits", "_bce_log1p_exp", "exp(z) overflows"),
    ("lesson09", "check_merge_weight", "_integer_division", "alpha / rank = 2.667"),
    ("lesson09", "check_merge_weight", "_hard_coded_two", "yours is W plus 2 *"),
    ("lesson09", "check_merge_weight", "_sqrt_rank", "yours is W plus 2.828"),
    ("lesson09", "check_merge_weight", "_linear_layout", "Conv1D"),
    ("lesson09", "check_merge_weight", "_replaced_weight", "only the scaled update"),
])
def test_hint_names_the_cause(module, checker, wrong, words):
    import importlib

    lesson = importlib.import_module(f"course_utils.exercises.{module}")
    verdict = getattr(lesson, checker)(getattr(lesson, wrong), quiet=True)
    assert verdict.status == WRONG and words in verdict.message, verdict.message


def test_adam_moves_are_printed_with_enough_digits():
    from course_utils.exercises import lesson07

    verdict = lesson07.check_adam_step(lesson07._adam_no_bias_correction, quiet=True)
    assert "0.0099999351" in verdict.message  # torch's first move, not rounded to 0.01


def test_lesson10_right_diagnosis_is_accepted():
    from course_utils.exercises import lesson10

    assert lesson10.check_diagnosis(lesson10.diagnosis_solution(), quiet=True)


def test_lesson10_wrong_diagnosis_points_to_the_lesson():
    from course_utils.exercises import lesson10

    answers = lesson10.diagnosis_solution()
    wild = next(run for run, bug in answers.items() if bug == "learning_rate_x100")
    answers[wild] = "missing_zero_grad"
    verdict = lesson10.check_diagnosis(answers, quiet=True)
    assert verdict.status == WRONG and f"run {wild}" in verdict.message
    assert "lesson 06" in verdict.message  # where a rate far too large is explained
    partial = {run: bug for run, bug in lesson10.diagnosis_solution().items() if run != "A"}
    assert "diagnose run A" in lesson10.check_diagnosis(partial, quiet=True).message


@pytest.mark.parametrize("answers, words", [
    ("healthy", "pass a dict"),
    ({"Z": "healthy"}, "there is no run Z"),
    ({"A": "it diverged"}, "not one of the bug names"),
    ({"A": 3}, "not one of the bug names"),
])
def test_lesson10_bad_input_gets_a_clear_message(answers, words):
    from course_utils.exercises import lesson10

    verdict = lesson10.check_diagnosis(answers, quiet=True)
    assert verdict.status == WRONG and words in verdict.message


def test_lesson10_blank_diagnosis_is_not_attempted(capsys):
    from course_utils.exercises import lesson10

    verdict = lesson10.check_diagnosis(dict.fromkeys(lesson10.MYSTERY))
    assert verdict.status == NOT_ATTEMPTED
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
    assert set(lesson10.MYSTERY.values()) <= set(lesson10.CHOICES)
