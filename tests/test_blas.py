"""autograd.compile.blas: MKL's gemm where it can read the operands in place, numpy elsewhere.

numpy's matmul (OpenBLAS) is the reference throughout: the two libraries sum in different
orders, so they agree to rounding, not to the bit. The MKL cases need the optional ``mkl``
package (CI's test step installs it; the fresh-machine step, without it, tests the numpy side).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Value
from autograd.compile import blas
from nn import Layer

ROOT = Path(__file__).resolve().parents[1]
M, K, N = 70, 90, 80  # m * n * k above blas.MIN_WORK, so MKL is asked


needs_mkl = pytest.mark.usefixtures("mkl")


@pytest.fixture
def awake_mkl(mkl: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """MKL's vector steps taken as after a product on its threads, even on a one-core machine."""
    monkeypatch.setattr(blas, "threads", lambda: 2)
    monkeypatch.setattr(blas, "_threads_awake", True)


needs_awake_mkl = pytest.mark.usefixtures("awake_mkl")


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def tolerance(dtype: type) -> float:
    return 1e-12 if dtype is np.float64 else 1e-4


def layouts(shape: tuple[int, int], dtype: type) -> dict[str, np.ndarray]:
    """The same numbers as a C array, a transposed F array, and a slice of wider rows."""
    values = rng().normal(size=shape).astype(dtype)
    wide = rng().normal(size=(shape[0], shape[1] + 7)).astype(dtype)
    wide[:, 3 : 3 + shape[1]] = values
    transposed_block = np.ascontiguousarray(values.T)
    wide_transposed = rng().normal(size=(shape[1], shape[0] + 5)).astype(dtype)
    wide_transposed[:, 2 : 2 + shape[0]] = values.T
    return {
        "c": values,
        "t": transposed_block.T,
        "slice": wide[:, 3 : 3 + shape[1]],
        "t-slice": wide_transposed[:, 2 : 2 + shape[0]].T,  # read transposed, rows wider
    }


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("a_kind", ["c", "t", "slice", "t-slice"])
@pytest.mark.parametrize("b_kind", ["c", "t", "slice", "t-slice"])
def test_mkl_product_matches_numpy_for_every_layout(dtype: type, a_kind: str, b_kind: str) -> None:
    a = layouts((M, K), dtype)[a_kind]
    b = layouts((K, N), dtype)[b_kind]
    out = np.full((M, N), np.nan, dtype=dtype)
    blas.matmul(a, b, out)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=tolerance(dtype), atol=tolerance(dtype) * 10)


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_accumulate_adds_into_a_strided_block_and_touches_nothing_else(dtype: type) -> None:
    a, b = layouts((M, K), dtype)["t-slice"], layouts((K, N), dtype)["c"]
    block = rng().normal(size=(M + 4, N + 5)).astype(dtype)
    before = block.copy()
    out = block[2 : 2 + M, 1 : 1 + N]  # rows of a wider array, with a margin all round
    blas.matmul(a, b, out, accumulate=True)
    expected = before[2 : 2 + M, 1 : 1 + N] + np.matmul(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(out, expected, rtol=tolerance(dtype), atol=tolerance(dtype) * 10)
    margin = np.ones(block.shape, dtype=bool)
    margin[2 : 2 + M, 1 : 1 + N] = False
    assert np.array_equal(block[margin], before[margin])  # not one number outside out changed


@needs_mkl
def test_mkl_gives_the_same_bits_every_call_and_whatever_the_alignment() -> None:
    a, b = layouts((M, K), np.float64)["c"], layouts((K, N), np.float64)["c"]
    results = set()
    for offset in range(8):  # the same numbers at eight addresses, 8 bytes apart
        buffer = np.empty(M * K + offset)
        moved = buffer[offset:].reshape(M, K)
        moved[:] = a
        out = np.empty((M, N))
        blas.matmul(moved, b, out)
        results.add(out.tobytes())
    assert len(results) == 1


def test_what_blas_cannot_read_in_place_goes_to_numpy_with_the_same_answer() -> None:
    data = rng().normal(size=(M, 2 * K))
    every_other = data[:, ::2]  # neither row- nor column-contiguous
    b = rng().normal(size=(K, N))
    out = np.empty((M, N))
    blas.matmul(every_other, b, out)
    assert np.array_equal(out, np.matmul(every_other, b))  # numpy's own call: the same bits

    f_order_out = np.empty((N, M)).T  # an output BLAS would have to write transposed
    blas.matmul(every_other, b, f_order_out)
    np.testing.assert_allclose(f_order_out, np.matmul(every_other, b), rtol=1e-12)

    mixed = np.empty((M, N), dtype=np.float32)  # mixed dtypes: numpy casts
    blas.matmul(every_other, b, mixed)
    np.testing.assert_allclose(mixed, np.matmul(every_other, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("overlapped", ["a", "b", "both"])
def test_an_output_that_overlaps_an_operand_is_computed_as_numpy_would(overlapped: str) -> None:
    # BLAS would read numbers it has already overwritten (each case fails without the check)
    n = 300
    shared = rng().normal(size=(n + 1, n + 1))
    separate = rng().normal(size=(n, n))
    if overlapped == "both":
        a = b = out = shared[:n, :n]
    elif overlapped == "a":
        a, b, out = shared[:n, :n], separate, shared[1:, :n]  # out is a, one row on
    else:
        a, b, out = separate, shared[:n, :n], shared[:n, 1:]  # out is b, one column on
    expected = a @ b
    blas.matmul(a, b, out)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_an_unaligned_operand_is_computed_correctly() -> None:
    raw = np.zeros(M * K * 8 + 1, dtype=np.uint8)
    a = raw[1:].view(np.float64).reshape(M, K)  # starts one byte past an 8-byte boundary
    assert not a.flags.aligned
    a[:] = rng().normal(size=(M, K))
    b = rng().normal(size=(K, N))
    out = np.empty((M, N))
    blas.matmul(a, b, out)
    np.testing.assert_allclose(out, np.matmul(a.copy(), b), rtol=1e-12)


def test_small_products_and_accumulation_without_mkl_are_numpys() -> None:
    a, b = rng().normal(size=(4, 3)), rng().normal(size=(3, 5))
    out = np.ones((4, 5))
    blas.matmul(a, b, out, accumulate=True)
    assert np.array_equal(out, 1.0 + a @ b)


def test_an_mkl_that_cannot_load_warns_once_and_leaves_the_products_to_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Missing:
        name = "libmkl_rt.so.3"

        def locate(self) -> Path:
            return Path("/nonexistent/libmkl_rt.so.3")

    monkeypatch.setattr(blas.importlib.metadata, "files", lambda package: [Missing()])
    monkeypatch.setenv("VALUEGRAD_BLAS", "mkl")
    blas._mkl.cache_clear()
    blas._mkl_gemms.cache_clear()
    blas._mkl_vector_steps.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="mkl package is installed but .* cannot be used"):
            assert blas.backend() == "numpy"
        a, b, out = rng().normal(size=(M, K)), rng().normal(size=(K, N)), np.empty((M, N))
        blas.matmul(a, b, out)  # no second warning: the answer is kept
        assert np.array_equal(out, np.matmul(a, b))
    finally:
        blas._mkl.cache_clear()
        blas._mkl_gemms.cache_clear()
        blas._mkl_vector_steps.cache_clear()


def cpu_info(tmp_path: Path, vendor: str) -> str:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: 6\n")
    return str(path)


@pytest.mark.parametrize(
    ("vendor", "setting", "wanted"),
    [
        ("GenuineIntel", None, True),
        ("AuthenticAMD", None, False),  # numpy's OpenBLAS measured as fast or faster there
        ("AuthenticAMD", "mkl", True),
        ("AuthenticAMD", " MKL ", True),
        ("GenuineIntel", "numpy", False),
    ],
)
def test_mkl_is_taken_on_intel_processors_unless_the_environment_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendor: str, setting: str | None, wanted: bool
) -> None:
    monkeypatch.setattr(blas, "CPU_INFO", cpu_info(tmp_path, vendor))
    if setting is None:
        monkeypatch.delenv("VALUEGRAD_BLAS", raising=False)
    else:
        monkeypatch.setenv("VALUEGRAD_BLAS", setting)
    assert blas._mkl_wanted() is wanted


def test_a_misspelt_choice_warns_and_the_processor_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blas, "CPU_INFO", cpu_info(tmp_path, "AuthenticAMD"))
    monkeypatch.setenv("VALUEGRAD_BLAS", "mkll")
    with pytest.warns(RuntimeWarning, match="VALUEGRAD_BLAS is 'mkll'; it should be numpy or mkl"):
        assert blas._mkl_wanted() is False


def test_the_environment_can_keep_mkl_out() -> None:
    code = "from autograd.compile import blas; print(blas.backend())"
    environment = {**os.environ, "VALUEGRAD_BLAS": "numpy", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "numpy"


@pytest.mark.parametrize(
    "dtypes", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.float64)]
)
def test_product_allocates_the_result_of_numpys_matmul(dtypes: tuple[type, type]) -> None:
    a = layouts((M, K), dtypes[0])["t"]
    b = layouts((K, N), dtypes[1])["slice"]
    result = blas.product(a, b)
    expected = np.matmul(a, b)
    assert result.dtype == expected.dtype and result.shape == (M, N)
    np.testing.assert_allclose(
        result, expected, rtol=tolerance(dtypes[0]), atol=tolerance(dtypes[0]) * 10
    )


def test_a_table_models_predictions_multiply_through_the_tapes_blas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One BLAS for the library: a product left to numpy's OpenBLAS beside MKL wakes a second
    thread pool, and the two pools took turns on the cores (the CLI ran twice as long)."""
    from nn import MLP
    from nn.batch import network_outputs

    calls: list[tuple[int, int, int]] = []
    real_matmul = blas.matmul

    def counting(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = False) -> None:
        calls.append((a.shape[0], a.shape[1], b.shape[1]))
        real_matmul(a, b, out, accumulate)

    monkeypatch.setattr(blas, "matmul", counting)
    network = MLP(5, [7, 3], seed=1)
    inputs = rng().normal(size=(11, 5))
    outputs = network_outputs(network, inputs)
    assert calls == [(11, 5, 7), (11, 7, 3)]
    for row, got in zip(inputs, outputs):  # the scalar network's own answer
        assert np.allclose([v.data for v in network(list(row))], got, rtol=1e-12, atol=1e-12)


def test_mkl_takes_large_products_and_long_dots_and_numpy_keeps_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The routing rule, with a recording stand-in for MKL's gemm: what numpy's OpenBLAS would
    run on its own threads (a second pool beside MKL's) goes to MKL: matrix products from 64^3
    multiply-adds, dot products longer than 10,000 terms."""
    asked: list[tuple[int, int, int]] = []

    def recording_gemm(order: int, ta: int, tb: int, m: int, n: int, k: int, *rest: object) -> None:
        asked.append((m, n, k))

    monkeypatch.setattr(blas, "_mkl_gemms", lambda: {np.dtype(np.float64): recording_gemm})
    shapes = {
        "layer of 64 at batch 64": (64, 65, 64),  # 266,240 multiply-adds
        "output layer of 10 at batch 200": (10, 129, 200),  # 258,000
        "dot of 10,001": (1, 10_001, 1),
        "dot of 10,000": (1, 10_000, 1),
        "row times a wide matrix": (1, 10_001, 3),  # a gemv: OpenBLAS keeps it on one thread
    }
    for m, k, n in shapes.values():
        blas.matmul(np.ones((m, k)), np.ones((k, n)), np.empty((m, n)))
    assert asked == [(64, 64, 65), (1, 1, 10_001)]


def _scattered_weights(a: Value, b: Value, c: Value) -> Value:
    """Two weighted sums over the same inputs whose weights repeat (not one block of slots)."""
    return autograd.tanh(autograd.dot([W, W, V], [a, b, c])) * autograd.dot([V, W, V], [a, b, c])


def _repeated_inputs(a: Value, b: Value, c: Value) -> Value:
    """A layer reading one input twice; the inputs depend on a parameter, so need gradients."""
    h, g = autograd.tanh(a * U), autograd.tanh(b * U)
    return autograd.sum(LAYER([h, h, g])) * c


W, V, U = Value(0.5), Value(-1.5), Value(0.8)
LAYER = Layer(3, 2, activation="tanh", seed=1)


@pytest.mark.parametrize("function", [_scattered_weights, _repeated_inputs])
def test_a_tapes_gathered_products_multiply_through_blas(
    function: Callable[..., Value], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernels' products that need a new array (weights scattered over the parameters,
    inputs read more than once) go through blas.product too, and the gradients are the eager
    engine's."""
    parameters = [W, V, U, *LAYER.parameters()]
    X = rng().normal(size=(5, 3))
    for p in parameters:
        p.grad = 0.0
    for row in X:
        function(*(Value(float(x)) for x in row)).backward()
    expected = [p.grad for p in parameters]

    calls: list[tuple[int, ...]] = []
    real_product = blas.product

    def counting(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        calls.append((*a.shape, *b.shape))
        return real_product(a, b)

    monkeypatch.setattr(blas, "product", counting)
    tape = autograd.trace(function, 3)
    for p in parameters:
        p.grad = 0.0
    tape.backward(X, reduce="sum")
    tape.release()
    assert calls, "no product went through blas.product"
    np.testing.assert_allclose([p.grad for p in parameters], expected, rtol=1e-12, atol=1e-14)


def awkward_numbers(dtype: type, n: int, seed: int) -> np.ndarray:
    """Numbers of every size the type holds, with subnormals, signed zeros, infinities and NaN."""
    generator = np.random.default_rng(seed)
    tiny = np.finfo(dtype).smallest_subnormal
    exponents = (
        generator.integers(-40, 30, n) if dtype == np.float32 else generator.integers(-300, 300, n)
    )
    with np.errstate(over="ignore"):
        x = (generator.standard_normal(n) * 10.0 ** exponents.astype(float)).astype(dtype)
    x[generator.integers(0, n, n // 100)] = tiny * generator.integers(1, 1000, n // 100)
    x[generator.integers(0, n, 50)] = generator.choice([0.0, -0.0, np.inf, -np.inf, np.nan], 50)
    return x


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    unsigned = np.uint64 if a.dtype == np.float64 else np.uint32
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all((a.view(unsigned) == b.view(unsigned)) | both_nan))


@needs_awake_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("factor", [-0.01, -1e-30, 3.7, -1e30, 0.0, -0.0, np.float64(-0.1)])
def test_add_scaled_on_mkls_threads_is_numpys_two_steps_bit_for_bit(
    dtype: type, factor: float
) -> None:
    n = 3 * blas.MIN_THREADED_VECTOR
    source, start = awkward_numbers(dtype, n, 1), awkward_numbers(dtype, n, 2)
    expected = start.copy()
    with np.errstate(all="ignore"):
        expected += np.multiply(source, factor, out=np.empty_like(source))
        target = start.copy()
        blas.add_scaled(target, source, factor, np.empty_like(source))
    assert same_bits(target, expected)


@needs_awake_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_on_mkls_threads_writes_positive_zeros_over_anything(dtype: type) -> None:
    a = awkward_numbers(dtype, 3 * blas.MIN_THREADED_VECTOR + 1, 3)
    blas.zero(a)
    assert same_bits(a, np.zeros_like(a))


@needs_awake_mkl
def test_vector_steps_leave_what_mkl_cannot_take_to_numpy() -> None:
    """A strided target, mixed dtypes and a work array that overlaps the source: numpy's numbers."""
    n = 3 * blas.MIN_THREADED_VECTOR
    source = awkward_numbers(np.float64, n, 4)

    def numpy_way(target: np.ndarray, work: np.ndarray) -> None:
        target += np.multiply(source, -0.5, out=work)

    base, expected_base = np.arange(2.0 * n), np.arange(2.0 * n)
    with np.errstate(all="ignore"):
        blas.add_scaled(base[::2], source, -0.5, np.empty(n))
        numpy_way(expected_base[::2], np.empty(n))
        assert same_bits(base, expected_base)
        mixed = np.ones(n, dtype=np.float32)
        blas.add_scaled(mixed, source, -0.5, np.empty(n, dtype=np.float32))
        expected_mixed = np.ones(n, dtype=np.float32)
        expected_mixed += np.multiply(source, -0.5, out=np.empty(n, dtype=np.float32))
        assert same_bits(mixed, expected_mixed)
        # work shares memory with the source, half a vector along: numpy buffers the overlap
        shared = np.concatenate([source, np.zeros(n // 2)])
        target, expected = np.ones(n), np.ones(n)
        blas.add_scaled(target, shared[:n], -0.5, shared[n // 2 :])
        shared_copy = np.concatenate([source, np.zeros(n // 2)])
        expected += np.multiply(shared_copy[:n], -0.5, out=shared_copy[n // 2 :])
        assert same_bits(target, expected)


@needs_awake_mkl
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite_on_mkls_threads(dtype: type) -> None:
    n = 3 * blas.MIN_THREADED_VECTOR
    huge = np.full(n, np.finfo(dtype).max / 2, dtype=dtype)  # finite, but the sum overflows
    assert blas.all_finite(huge)
    for bad in (np.inf, -np.inf, np.nan):
        x = np.ones(n, dtype=dtype)
        x[n - 7] = bad
        assert not blas.all_finite(x)
    assert blas.all_finite(awkward_numbers(dtype, n, 5)[np.isfinite(awkward_numbers(dtype, n, 5))])


@needs_mkl
def test_vector_steps_use_mkls_threads_only_while_a_threaded_product_keeps_them_awake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(blas, "threads", lambda: 2)
    vector = np.ones(blas.MIN_THREADED_VECTOR)
    a, b, out = rng().normal(size=(M, K)), rng().normal(size=(K, N)), np.empty((M, N))
    blas.matmul(a, b, out)  # on MKL's threads
    assert blas._vector_steps(vector) is not None
    with blas.one_thread():  # as a batch run in parts multiplies
        blas.matmul(a, b, out)
    assert blas._vector_steps(vector) is None
    blas.matmul(a, b, out)
    assert blas._vector_steps(vector) is not None


@pytest.fixture
def fdim_calls(awake_mkl: None, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls of MKL's fdim (positive_part's MKL way)."""
    calls: list[int] = []
    counted = {}
    for dtype, steps in (blas._mkl_vector_steps() or {}).items():
        fdim = steps.positive_difference
        if fdim is None:
            pytest.skip("this MKL is older than the one documenting increment 0")

        def counting(*arguments: object, fdim: Callable[..., None] = fdim) -> None:
            calls.append(1)
            fdim(*arguments)

        counted[dtype] = steps._replace(positive_difference=counting)
    vector_steps = blas._vector_steps

    def counted_steps(*arrays: np.ndarray) -> blas.VectorSteps | None:
        return None if vector_steps(*arrays) is None else counted[arrays[0].dtype]

    monkeypatch.setattr(blas, "_vector_steps", counted_steps)
    return calls


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_positive_part_on_mkls_threads_is_numpys_maximum_bit_for_bit(
    fdim_calls: list[int], dtype: type
) -> None:
    """A relu's forward as fdim(x, 0): NaN passes, -0.0 gives +0.0, subnormals stay, as numpy."""
    n = 64 * blas.MIN_THREADED_VECTOR // 32
    values = awkward_numbers(dtype, 3 * n, 6).reshape(3 * 32, -1)  # rows, as a tape's block
    x, out = values[32:64], np.full((32, values.shape[1]), 7.0, dtype=dtype)
    assert blas.positive_part(x, out) is out
    assert fdim_calls  # MKL's vector maths did it
    with np.errstate(invalid="ignore"):
        assert same_bits(out, np.maximum(x, dtype(0.0)))
    assert np.signbit(out[x == 0.0]).sum() == 0  # no -0.0 left
    assert np.isnan(out[np.isnan(x)]).all()


def test_positive_part_leaves_what_mkl_cannot_take_to_numpy(fdim_calls: list[int]) -> None:
    """In place, overlapping, strided or of another shape: numpy's answer (or numpy's error)."""
    n = 3 * blas.MIN_THREADED_VECTOR
    x = awkward_numbers(np.float64, 2 * n, 7)
    with np.errstate(invalid="ignore"):
        expected = np.maximum(x, 0.0)
        in_place = x.copy()
        blas.positive_part(in_place, in_place)
        assert same_bits(in_place, expected)
        shared = x.copy()  # out starts half a vector into x: numpy buffers the overlap
        blas.positive_part(shared[:n], shared[n // 2 : n // 2 + n])
        overlapped = x.copy()
        np.maximum(overlapped[:n], 0.0, out=overlapped[n // 2 : n // 2 + n])
        assert same_bits(shared, overlapped)
        strided = np.empty(n)
        blas.positive_part(x[::2], strided)
        assert same_bits(strided, expected[::2])
        with pytest.raises(ValueError):  # as many numbers, another shape
            blas.positive_part(x[:n].reshape(3, -1), np.empty((n // 3, 3)))
    assert fdim_calls == []


def test_an_mkl_without_documented_zero_increments_leaves_the_relu_to_numpy(
    awake_mkl: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blas, "_zero_increments", lambda: False)
    blas._mkl_vector_steps.cache_clear()
    steps = blas._mkl_vector_steps()
    assert steps is not None and all(s.positive_difference is None for s in steps.values())
    x = awkward_numbers(np.float64, 3 * blas.MIN_THREADED_VECTOR, 8)
    out = np.empty_like(x)
    with np.errstate(invalid="ignore"):
        blas.positive_part(x, out)
        assert same_bits(out, np.maximum(x, 0.0))
    assert blas.backend() == "mkl"  # the products still go to MKL
