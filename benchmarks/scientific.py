"""parzen.scientific against scipy.optimize and plain optax, in one run (CPU by default).

(a) L-BFGS on the Rosenbrock function in 100 and 1,000 dimensions from the classic start
    (-1.2, 1, -1.2, 1, ...): time and iterations to a gradient L2 norm of 1e-6, beside
    ``scipy.optimize.minimize(method="L-BFGS-B")`` fed (i) JAX's jitted value-and-gradient and
    (ii) plain numpy (``scipy.optimize.rosen``/``rosen_der``);
(b) Levenberg-Marquardt on a nonlinear curve fit (a damped oscillation, 5 parameters, 200 points)
    and on a 1,000-residual problem (the extended Rosenbrock function, 1,000 parameters), beside
    ``scipy.optimize.least_squares(method="lm")`` with jitted JAX residuals and Jacobian, and with numpy;
(c) the hybrid optimizer (Adam, then L-BFGS) against Adam alone on a small physics-informed network
    for the 1-D Poisson problem ``u'' = -pi^2 sin(pi x)``, ``u(0) = u(1) = 0``, at equal wall time.

Everything runs in float64, with BLAS on one thread (threadpoolctl). Times are wall-clock seconds measured after ``block_until_ready``, medians
over ``--repeats`` runs; compilation is excluded from them (ahead-of-time ``lower().compile()``) and
reported on its own. If ``benchmarks/scientific_l2o.py`` exists, it runs afterwards (the learned-optimizer
part; arguments this script does not know, e.g. ``--families quadratic``, are passed to it). Usage:

    python benchmarks/scientific.py
    python benchmarks/scientific.py --repeats 3 --only lbfgs lm
    python benchmarks/scientific.py --only pinn --pinn-seconds 30
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import scipy.optimize  # noqa: E402

from parzen.scientific.second_order import (  # noqa: E402
    HybridOptimizer,
    HybridOptimizerConfig,
    LBFGSConfig,
    LevenbergMarquardtConfig,
    least_squares,
    minimize,
)

GTOL = 1e-6


def median_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``run()`` (its result blocked on) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = jax.block_until_ready(run())
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def compiled(fn: Callable[..., Any], *example: Any) -> tuple[Any, float]:
    """``fn`` jitted and compiled ahead of time for ``example``, and the seconds the compilation took."""
    start = time.perf_counter()
    executable = jax.jit(fn).lower(*example).compile()
    return executable, time.perf_counter() - start


# --- (a) L-BFGS on Rosenbrock -------------------------------------------------------------------------


def rosenbrock(x: jax.Array) -> jax.Array:
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def classic_start(n: int) -> np.ndarray:
    return np.tile([-1.2, 1.0], n // 2)


def bench_lbfgs(repeats: int) -> list[dict]:
    return [row for n in (100, 1000) for row in lbfgs_rows(n, repeats)]


def lbfgs_rows(n: int, repeats: int) -> list[dict]:
    x0 = classic_start(n)
    config = LBFGSConfig(tolerance=GTOL, max_iterations=20_000)
    solve, compile_s = compiled(lambda x: minimize(rosenbrock, x, config), jnp.asarray(x0))
    seconds, result = median_time(lambda: solve(jnp.asarray(x0)), repeats)
    rows = [
        {
            "problem": f"Rosenbrock {n}-D",
            "solver": "parzen minimize (L-BFGS, zoom, m=10)",
            "seconds": seconds,
            "compile_s": compile_s,
            "iterations": int(result.iterations),
            "evaluations": "",
            "grad_norm": float(result.gradient_norm),
            "value": float(result.value),
        }
    ]
    value_and_grad = jax.jit(jax.value_and_grad(rosenbrock))
    value_and_grad(jnp.asarray(x0))  # compile once, outside the timing

    def jax_fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = value_and_grad(x)
        return float(value), np.asarray(grad)

    def numpy_fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)

    options = {"gtol": GTOL, "ftol": 0.0, "maxiter": 20_000, "maxcor": 10}
    for label, fun in (("jitted JAX value+grad", jax_fun), ("numpy rosen/rosen_der", numpy_fun)):
        seconds, res = median_time(
            lambda fun=fun: scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", options=options), repeats
        )
        rows.append(
            {
                "problem": f"Rosenbrock {n}-D",
                "solver": f"scipy L-BFGS-B ({label})",
                "seconds": seconds,
                "compile_s": float("nan"),
                "iterations": int(res.nit),
                "evaluations": int(res.nfev),
                "grad_norm": float(np.linalg.norm(scipy.optimize.rosen_der(res.x))),
                "value": float(res.fun),
            }
        )
    return rows


# --- (b) Levenberg-Marquardt ---------------------------------------------------------------------------


def oscillation(p: jax.Array, t: jax.Array) -> jax.Array:
    return p[0] * jnp.exp(-p[1] * t) * jnp.cos(p[2] * t + p[3]) + p[4]


def oscillation_residuals(p: jax.Array, t: jax.Array, y: jax.Array) -> jax.Array:
    return oscillation(p, t) - y


def extended_rosenbrock_residuals(x: jax.Array) -> jax.Array:
    odd, even = x[0::2], x[1::2]
    return jnp.stack([10.0 * (even - odd**2), 1.0 - odd], axis=1).reshape(-1)


def numpy_oscillation(p: np.ndarray, t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    decay, phase = np.exp(-p[1] * t), p[2] * t + p[3]
    residual = p[0] * decay * np.cos(phase) + p[4] - y
    jac = np.stack(
        [
            decay * np.cos(phase),
            -t * p[0] * decay * np.cos(phase),
            -t * p[0] * decay * np.sin(phase),
            -p[0] * decay * np.sin(phase),
            np.ones_like(t),
        ],
        axis=1,
    )
    return residual, jac


def numpy_extended_rosenbrock(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    residual = np.empty(n)
    residual[0::2] = 10.0 * (x[1::2] - x[0::2] ** 2)
    residual[1::2] = 1.0 - x[0::2]
    jac = np.zeros((n, n))
    rows = np.arange(0, n, 2)
    jac[rows, rows] = -20.0 * x[0::2]
    jac[rows, rows + 1] = 10.0
    jac[rows + 1, rows] = -1.0
    return residual, jac


def bench_lm(repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 10.0, 200)
    truth = np.array([2.0, 0.3, 2.5, 0.4, 0.5])
    y = np.asarray(oscillation(jnp.asarray(truth), jnp.asarray(t))) + 0.02 * rng.standard_normal(t.shape)
    problems = [
        (
            "curve fit (5 params, 200 residuals)",
            oscillation_residuals,
            np.array([1.5, 0.5, 2.3, 0.0, 0.0]),
            (jnp.asarray(t), jnp.asarray(y)),
            lambda p: numpy_oscillation(p, t, y),
        ),
        (
            "extended Rosenbrock (1,000 params, 1,000 residuals)",
            extended_rosenbrock_residuals,
            classic_start(1000),
            (),
            numpy_extended_rosenbrock,
        ),
    ]
    return [row for problem in problems for row in lm_rows(*problem, repeats=repeats)]


def lm_rows(
    name: str, residual_fn: Callable[..., jax.Array], x0: np.ndarray, args: tuple, numpy_fn: Callable, repeats: int
) -> list[dict]:
    config = LevenbergMarquardtConfig(max_iterations=1000, rtol=1e-10, atol=1e-12)
    solve, compile_s = compiled(lambda x, *a: least_squares(residual_fn, x, config, args=a), jnp.asarray(x0), *args)
    seconds, result = median_time(lambda: solve(jnp.asarray(x0), *args), repeats)
    rows = [
        {
            "problem": name,
            "solver": "parzen least_squares (LM)",
            "seconds": seconds,
            "compile_s": compile_s,
            "iterations": int(result.iterations),
            "evaluations": "",
            "grad_norm": float(result.gradient_norm),
            "value": float(result.value),
        }
    ]
    fun = jax.jit(lambda x: residual_fn(x, *args))
    jac = jax.jit(jax.jacfwd(lambda x: residual_fn(x, *args)))
    fun(jnp.asarray(x0)), jac(jnp.asarray(x0))  # compile once, outside the timing
    variants = (
        ("jitted JAX residuals+Jacobian", lambda x: np.asarray(fun(x)), lambda x: np.asarray(jac(x))),
        ("numpy residuals+Jacobian", lambda x: numpy_fn(x)[0], lambda x: numpy_fn(x)[1]),
    )
    for label, fun_np, jac_np in variants:
        seconds, res = median_time(
            lambda fun_np=fun_np, jac_np=jac_np: scipy.optimize.least_squares(
                fun_np, x0, jac=jac_np, method="lm", ftol=1e-10, xtol=1e-10, gtol=1e-12, max_nfev=100_000
            ),
            repeats,
        )
        rows.append(
            {
                "problem": name,
                "solver": f"scipy least_squares lm ({label})",
                "seconds": seconds,
                "compile_s": float("nan"),
                "iterations": "",
                "evaluations": int(res.nfev),
                "grad_norm": float(np.linalg.norm(res.grad)),
                "value": float(res.cost),
            }
        )
    return rows


# --- (c) a physics-informed network for 1-D Poisson ----------------------------------------------------


def init_mlp(key: jax.Array, sizes: tuple[int, ...]) -> list[dict]:
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        scale = math.sqrt(2.0 / (fan_in + fan_out))
        params.append({"w": scale * jax.random.normal(sub, (fan_in, fan_out)), "b": jnp.zeros(fan_out)})
    return params


def mlp(params: list[dict], x: jax.Array) -> jax.Array:
    h = jnp.reshape(x, (1,))
    for layer in params[:-1]:
        h = jnp.tanh(h @ layer["w"] + layer["b"])
    return (h @ params[-1]["w"] + params[-1]["b"])[0]


COLLOCATION = jnp.linspace(0.0, 1.0, 64)
TEST_POINTS = jnp.linspace(0.0, 1.0, 1001)


def pinn_loss(params: list[dict]) -> jax.Array:
    second = jax.vmap(jax.grad(jax.grad(lambda x: mlp(params, x))))(COLLOCATION)
    source = -(jnp.pi**2) * jnp.sin(jnp.pi * COLLOCATION)
    boundary = mlp(params, jnp.asarray(0.0)) ** 2 + mlp(params, jnp.asarray(1.0)) ** 2
    return jnp.mean((second - source) ** 2) + boundary


def pinn_error(params: list[dict]) -> float:
    u = jax.vmap(lambda x: mlp(params, x))(TEST_POINTS)
    exact = jnp.sin(jnp.pi * TEST_POINTS)
    return float(jnp.linalg.norm(u - exact) / jnp.linalg.norm(exact))


def train_for(label: str, optimizer: Any, seconds: float, chunk: int, seed: int) -> dict:
    """Train from the seed's initialization in jitted chunks of ``chunk`` steps until ``seconds`` pass."""
    params = init_mlp(jax.random.key(seed), (1, 20, 20, 1))
    hybrid = isinstance(optimizer, HybridOptimizer)

    def run_chunk(carry: tuple) -> tuple:
        def body(carry: tuple, _: None) -> tuple[tuple, None]:
            p, state = carry
            loss, grad = jax.value_and_grad(pinn_loss)(p)
            if hybrid:
                updates, state = optimizer.update(grad, state, p, loss=loss, value_fn=pinn_loss)
            else:
                updates, state = optimizer.update(grad, state, p)
            return (optax.apply_updates(p, updates), state), None

        return jax.lax.scan(body, carry, None, length=chunk)[0]

    carry = (params, optimizer.init(params))
    step, compile_s = compiled(run_chunk, carry)
    steps, elapsed = 0, 0.0
    while elapsed < seconds:
        start = time.perf_counter()
        carry = jax.block_until_ready(step(carry))
        elapsed += time.perf_counter() - start
        steps += chunk
    params, state = carry
    row = {
        "optimizer": label,
        "seconds": elapsed,
        "compile_s": compile_s,
        "steps": steps,
        "loss": float(pinn_loss(params)),
        "l2_error": pinn_error(params),
        "switch_step": int(state.switch_step) if hybrid else "",
    }
    return row


def bench_pinn(seconds: float, seeds: int) -> list[dict]:
    contenders = [
        ("Adam lr=1e-3", lambda: optax.adam(1e-3)),
        ("Adam lr=1e-2", lambda: optax.adam(1e-2)),
        (
            "hybrid: Adam lr=1e-3, then L-BFGS (relative_improvement 1e-3 over 500 steps, at most 5,000 Adam steps)",
            lambda: HybridOptimizer(
                HybridOptimizerConfig(
                    first_order_steps=5000,
                    switch_criterion="relative_improvement",
                    relative_improvement_threshold=1e-3,
                    loss_history_window=500,
                    lbfgs_config=LBFGSConfig(max_iterations=1_000_000, tolerance=1e-10),
                )
            ),
        ),
    ]
    rows = []
    for label, make in contenders:
        runs = [train_for(label, make(), seconds, chunk=100, seed=seed) for seed in range(seeds)]
        median = {
            key: statistics.median([r[key] for r in runs])
            for key in ("seconds", "compile_s", "steps", "loss", "l2_error")
        }
        switches = [r["switch_step"] for r in runs]
        rows.append({"optimizer": label, **median, "switch_step": switches if runs[0]["switch_step"] != "" else ""})
    return rows


# --- report ---------------------------------------------------------------------------------------------


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"
    return str(value)


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def run_l2o_hook(argv: list[str]) -> None:
    """Runs part 2's learned-optimizer benchmark, when it exists, from this same command.

    It runs in its own process: this one has switched JAX to float64, which that benchmark does not use.
    """
    path = Path(__file__).with_name("scientific_l2o.py")
    if not path.exists():
        print("\n(benchmarks/scientific_l2o.py not present: no learned-optimizer benchmark)")
        return
    print("## Learned optimizer on held-out problems (benchmarks/scientific_l2o.py)\n", flush=True)
    subprocess.run([sys.executable, str(path), *argv], check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="+", choices=["lbfgs", "lm", "pinn", "l2o"])
    parser.add_argument("--pinn-seconds", type=float, default=20.0, help="wall time per PINN run")
    parser.add_argument("--pinn-seeds", type=int, default=3)
    args, rest = parser.parse_known_args(argv)
    try:  # OpenBLAS threads spinning on a busy machine made scipy's L-BFGS-B 30x slower: one thread for all
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        print("(threadpoolctl not installed: BLAS runs with its default threads)")
    parts = set(args.only or ["lbfgs", "lm", "pinn", "l2o"])
    print(f"# parzen.scientific benchmark ({jax.devices()[0].platform}, {os.cpu_count()} CPUs, float64)\n")
    print(f"command: python benchmarks/scientific.py {' '.join(sys.argv[1:] if argv is None else argv)}\n")
    columns = ["problem", "solver", "seconds", "compile_s", "iterations", "evaluations", "grad_norm", "value"]
    if "lbfgs" in parts:
        print(f"## L-BFGS on Rosenbrock to gradient norm {GTOL:g} (median of {args.repeats})\n")
        print(table(bench_lbfgs(args.repeats), columns) + "\n", flush=True)
    if "lm" in parts:
        print(f"## Levenberg-Marquardt (median of {args.repeats})\n")
        print(table(bench_lm(args.repeats), columns) + "\n", flush=True)
    if "pinn" in parts:
        print(f"## 1-D Poisson PINN at equal wall time ({args.pinn_seconds:g} s, median of {args.pinn_seeds} seeds)\n")
        pinn_columns = ["optimizer", "seconds", "compile_s", "steps", "loss", "l2_error", "switch_step"]
        print(table(bench_pinn(args.pinn_seconds, args.pinn_seeds), pinn_columns) + "\n", flush=True)
    if "l2o" in parts:
        run_l2o_hook(rest)


if __name__ == "__main__":
    main()
