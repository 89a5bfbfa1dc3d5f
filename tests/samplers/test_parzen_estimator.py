"""Parzen-estimator numerics on their own: normalisation, kernels, bandwidths, sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from parzen.samplers.tpe.parzen_estimator import (
    EstimatorConfig,
    ParzenEstimator,
    fit_parzen_estimator,
    hyperopt_bandwidth,
    normal_mass,
    scott_bandwidth,
    thin_observations,
)

NO_CAT = np.zeros((0, 0), dtype=int)


def _fit(numeric, categorical=None, weights=None, n_cells=None, n_choices=(), **config) -> ParzenEstimator:
    numeric = np.asarray(numeric, dtype=float)
    if numeric.ndim == 1:
        numeric = numeric[:, None]
    n = numeric.shape[0]
    categorical = np.zeros((n, 0), dtype=int) if categorical is None else np.asarray(categorical).reshape(n, -1)
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    n_cells = np.zeros(numeric.shape[1], dtype=int) if n_cells is None else np.asarray(n_cells)
    return fit_parzen_estimator(numeric, categorical, weights, n_cells, list(n_choices), EstimatorConfig(**config))


def _integrate_1d(est: ParzenEstimator, n: int = 20001) -> float:
    x = np.linspace(0.0, 1.0, n)[:, None]
    pdf = np.exp(est.log_pdf(x, np.zeros((n, 0), dtype=int)))
    return float(np.trapezoid(pdf, x[:, 0]))


# --- normalisation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("obs", [[0.0], [1.0], [0.5], [0.01, 0.02, 0.03, 0.99], list(np.linspace(0, 1, 40))])
@pytest.mark.parametrize("bandwidth", ["scott", "hyperopt"])
def test_truncated_density_integrates_to_one_on_the_unit_interval(obs, bandwidth) -> None:
    est = _fit(obs, bandwidth=bandwidth)
    assert _integrate_1d(est) == pytest.approx(1.0, abs=2e-3)


def test_narrow_kernels_at_the_ends_still_integrate_to_one() -> None:
    est = ParzenEstimator(np.array([0.3, 0.3, 0.4]), np.array([[0.0], [1.0], [0.999]]),
                          np.array([[0.01], [0.002], [0.003]]), np.array([0]), np.zeros((3, 0), dtype=int), [], [])
    assert _integrate_1d(est, n=400001) == pytest.approx(1.0, abs=2e-3)


def test_two_dimensional_product_density_integrates_to_one() -> None:
    rng = np.random.default_rng(0)
    est = _fit(rng.random((30, 2)), weights=rng.random(30) + 0.1)
    g = np.linspace(0, 1, 401)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    pdf = np.exp(est.log_pdf(pts, np.zeros((len(pts), 0), dtype=int))).reshape(xx.shape)
    assert np.trapezoid(np.trapezoid(pdf, g, axis=1), g) == pytest.approx(1.0, abs=3e-3)


def test_grid_cells_carry_probabilities_that_sum_to_one() -> None:
    n_cells = 7
    centres = (np.arange(n_cells) + 0.5) / n_cells
    est = _fit(centres[[1, 1, 2, 6]], n_cells=[n_cells])
    mass = np.exp(est.log_pdf(centres[:, None], np.zeros((n_cells, 0), dtype=int)))
    assert mass.sum() == pytest.approx(1.0, abs=1e-9)
    # every point of a cell has the probability of that cell
    inside = np.array([[1 / n_cells + 1e-9], [1.5 / n_cells], [2 / n_cells - 1e-9]])
    assert np.allclose(np.exp(est.log_pdf(inside, np.zeros((3, 0), dtype=int))), mass[1])
    assert mass.argmax() == 1


def test_fine_grid_cells_use_the_midpoint_rule_and_still_sum_to_one() -> None:
    n_cells = 500
    centres = (np.arange(n_cells) + 0.5) / n_cells
    est = _fit(centres[[10, 11, 250, 499]], n_cells=[n_cells])
    mass = np.exp(est.log_pdf(centres[:, None], np.zeros((n_cells, 0), dtype=int)))
    assert mass.sum() == pytest.approx(1.0, abs=0.02)
    assert np.allclose(np.exp(est.log_pdf(centres[:, None] + 0.4 / n_cells, np.zeros((n_cells, 0), dtype=int))),
                       mass)


def test_mixed_density_sums_and_integrates_to_one() -> None:
    rng = np.random.default_rng(1)
    numeric = np.column_stack([rng.random(12), (rng.integers(0, 3, 12) + 0.5) / 3])
    est = _fit(numeric, categorical=rng.integers(0, 4, 12), n_cells=[0, 3], n_choices=[4])
    x = np.linspace(0, 1, 4001)
    total = 0.0
    for cell in range(3):
        for cat in range(4):
            pts = np.column_stack([x, np.full_like(x, (cell + 0.5) / 3)])
            pdf = np.exp(est.log_pdf(pts, np.full((len(x), 1), cat)))
            total += np.trapezoid(pdf, x)
    assert total == pytest.approx(1.0, abs=2e-3)


# --- categorical kernel ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bandwidth", [0.2, 0.5, None])
def test_categorical_kernel_rows_are_distributions(bandwidth) -> None:
    est = _fit(np.zeros((5, 0)), categorical=[0, 1, 1, 2, 4], n_choices=[5], categorical_bandwidth=bandwidth)
    probs = np.exp(est._log_tables[0])
    assert probs.shape == (6, 5)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.allclose(probs[-1], 0.2)  # the prior kernel is uniform
    mixture = np.exp(est.log_pdf(np.zeros((5, 0)), np.arange(5)[:, None]))
    assert mixture.sum() == pytest.approx(1.0)
    assert mixture.argmax() == 1 and mixture[3] == mixture.min()


def test_fixed_categorical_bandwidth_is_aitchison_aitken() -> None:
    est = _fit(np.zeros((1, 0)), categorical=[2], n_choices=[4], categorical_bandwidth=0.3)
    assert np.allclose(np.exp(est._log_tables[0][0]), [0.1, 0.1, 0.7, 0.1])


def test_adaptive_categorical_bandwidth_shrinks_with_observations() -> None:
    def own_share(n: int) -> float:
        est = _fit(np.zeros((n, 0)), categorical=np.zeros(n, dtype=int), n_choices=[3], categorical_bandwidth=None)
        return float(np.exp(est._log_tables[0][0, 0]))

    assert own_share(1) == pytest.approx(2 / 4)
    assert own_share(10) == pytest.approx(11 / 13)
    assert own_share(100) > own_share(10) > own_share(1)


def test_single_choice_categorical_has_probability_one() -> None:
    est = _fit(np.zeros((3, 0)), categorical=[0, 0, 0], n_choices=[1])
    assert est.log_pdf(np.zeros((1, 0)), np.zeros((1, 1), dtype=int))[0] == pytest.approx(0.0)
    _, cats = est.sample(np.random.default_rng(0), 10)
    assert np.all(cats == 0)


# --- bandwidths and priors ---------------------------------------------------------------------------------
def test_scott_rule_matches_its_formula() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((50, 3))
    std = x.std(axis=0, ddof=1)
    iqr = (np.percentile(x, 75, axis=0) - np.percentile(x, 25, axis=0)) / 1.34
    assert np.allclose(scott_bandwidth(x), 1.059 * np.minimum(std, iqr) * 50 ** -0.2)
    assert np.all(scott_bandwidth(x[:1]) == 0)


def test_hyperopt_rule_takes_the_larger_neighbour_distance() -> None:
    x = np.array([[0.1], [0.5], [0.6]])
    assert np.allclose(hyperopt_bandwidth(x, consider_endpoints=True)[:, 0], [0.4, 0.4, 0.4])
    assert np.allclose(hyperopt_bandwidth(x, consider_endpoints=False)[:, 0], [0.4, 0.4, 0.1])
    assert np.allclose(hyperopt_bandwidth(np.array([[0.2]]), consider_endpoints=False), 1.0)


def test_consider_endpoints_changes_the_fitted_bandwidths() -> None:
    obs = [0.3, 0.32]
    assert _fit(obs, bandwidth="hyperopt", consider_endpoints=True, magic_clip=False).sigmas[1, 0] == \
        pytest.approx(0.68)
    assert _fit(obs, bandwidth="hyperopt", consider_endpoints=False, magic_clip=False).sigmas[1, 0] == \
        pytest.approx(0.03)


def test_bandwidth_floors_magic_clip_min_factor_and_grid() -> None:
    same = [0.4] * 9
    assert np.allclose(_fit(same, magic_clip=True).sigmas[:-1], 1 / 10)
    assert np.allclose(_fit(same, magic_clip=False, min_bandwidth_factor=0.03).sigmas[:-1], 0.03)
    assert np.allclose(_fit(same, magic_clip=False, min_bandwidth_factor=0.2).sigmas[:-1], 0.2)
    assert np.allclose(_fit([0.5 / 4] * 9, n_cells=[4], magic_clip=False).sigmas[:-1], 0.5 / 4)
    assert np.all(_fit(same).sigmas[-1] == 1.0)  # the prior stays as wide as the domain


def test_prior_weight_and_observation_weights_shift_mass() -> None:
    x = np.array([[0.05], [0.95]])
    none = np.zeros((2, 0), dtype=int)
    light, heavy = _fit([0.9], prior_weight=0.1), _fit([0.9], prior_weight=10.0)
    assert np.exp(heavy.log_pdf(x, none))[0] > np.exp(light.log_pdf(x, none))[0]
    assert heavy.weights[-1] == pytest.approx(10 / 11) and light.weights[-1] == pytest.approx(0.1 / 1.1)
    tilted = _fit([0.1, 0.9], weights=[1.0, 9.0])
    pdf = np.exp(tilted.log_pdf(np.array([[0.1], [0.9]]), none))
    assert pdf[1] > 2.5 * pdf[0]
    assert tilted.weights[:2] / tilted.weights[:2].sum() == pytest.approx([0.1, 0.9])


def test_no_observation_gives_the_prior_alone() -> None:
    est = _fit([], n_choices=())
    assert est.n_kernels == 1 and est.mus[0, 0] == 0.5 and est.sigmas[0, 0] == 1.0
    assert _integrate_1d(est) == pytest.approx(1.0, abs=1e-3)


def test_normal_mass_is_accurate_in_the_tails() -> None:
    lower = np.array([-1.0, -40.0, 10.0, 30.0, 0.0])
    upper = np.array([1.0, -39.0, 11.0, 31.0, 0.0])
    expected = [norm.cdf(1) - norm.cdf(-1)] + [norm.sf(-u) - norm.sf(-lo) for lo, u in [(-40.0, -39.0)]] + \
        [norm.sf(lo) - norm.sf(u) for lo, u in [(10.0, 11.0), (30.0, 31.0)]] + [0.0]
    got = normal_mass(lower, upper)
    assert np.allclose(got, expected, rtol=1e-9, atol=0)
    assert got[3] > 0


# --- sampling ----------------------------------------------------------------------------------------------
def test_samples_follow_the_density() -> None:
    est = _fit([0.2, 0.25, 0.8], magic_clip=False)
    numeric, _ = est.sample(np.random.default_rng(0), 40000)
    hist, edges = np.histogram(numeric[:, 0], bins=20, range=(0, 1))
    mids = (edges[:-1] + edges[1:]) / 2
    expected = np.exp(est.log_pdf(mids[:, None], np.zeros((20, 0), dtype=int))) * 40000 / 20
    assert np.all(np.abs(hist - expected) < 5 * np.sqrt(expected) + 20)


def test_categorical_samples_follow_the_kernel_mixture() -> None:
    est = _fit(np.zeros((4, 0)), categorical=[0, 0, 0, 2], n_choices=[3], categorical_bandwidth=0.3)
    _, cats = est.sample(np.random.default_rng(1), 30000)
    freq = np.bincount(cats[:, 0], minlength=3) / 30000
    expected = np.exp(est.log_pdf(np.zeros((3, 0)), np.arange(3)[:, None]))
    assert np.allclose(freq, expected, atol=0.015)


def test_bad_config_is_rejected_with_the_parameter_name() -> None:
    for kwargs, name in [({"prior_weight": 0}, "prior_weight"), ({"prior_weight": math.inf}, "prior_weight"),
                         ({"bandwidth": "silverman"}, "bandwidth"), ({"consider_endpoints": 1}, "consider_endpoints"),
                         ({"min_bandwidth_factor": 0}, "min_bandwidth_factor"),
                         ({"min_bandwidth_factor": 2.0}, "min_bandwidth_factor"), ({"magic_clip": "yes"}, "magic_clip"),
                         ({"categorical_bandwidth": 1.0}, "categorical_bandwidth"),
                         ({"categorical_bandwidth": -0.1}, "categorical_bandwidth"),
                         ({"max_kernels": 1}, "max_kernels"), ({"max_kernels": 10.5}, "max_kernels")]:
        with pytest.raises((TypeError, ValueError), match=name):
            EstimatorConfig(**kwargs)


# --- long studies: a capped number of kernels ----------------------------------------------------------------
def test_thinning_keeps_the_recent_half_and_evenly_spaced_older_rows() -> None:
    rows, counts = thin_observations(10, 10)
    assert rows.tolist() == list(range(10)) and counts.tolist() == [1.0] * 10
    rows, counts = thin_observations(1000, 100)
    assert len(rows) == 100 and rows[50:].tolist() == list(range(950, 1000))
    assert rows[:50].tolist() == list(range(0, 950, 19))
    assert counts.sum() == pytest.approx(1000)


@pytest.mark.parametrize("n", [10, 999, 5000, 20000])
def test_an_estimator_never_holds_more_kernels_than_the_cap(n: int) -> None:
    rng = np.random.default_rng(0)
    est = _fit(rng.random((n, 3)), max_kernels=1000)
    assert est.n_kernels == min(n, 1000) + 1  # plus the prior
    assert _fit(rng.random((n, 1)), max_kernels=None).n_kernels == n + 1


def test_a_thinned_density_stays_close_to_the_full_one() -> None:
    rng = np.random.default_rng(1)
    obs = np.concatenate([rng.normal(0.3, 0.05, 1500), rng.normal(0.7, 0.1, 1500)]).clip(0, 1)
    full, thinned = _fit(obs, max_kernels=None), _fit(obs, max_kernels=300)
    assert thinned.n_kernels == 301 and _integrate_1d(thinned) == pytest.approx(1.0, abs=1e-3)
    recent_only = _fit(obs[-300:], max_kernels=None)  # what keeping only the latest rows would give
    x = np.linspace(0.0, 1.0, 1001)[:, None]
    cat = np.zeros((1001, 0), dtype=int)

    def l1_to_full(est: ParzenEstimator) -> float:
        return float(np.trapezoid(np.abs(np.exp(est.log_pdf(x, cat)) - np.exp(full.log_pdf(x, cat))), x[:, 0]))

    assert l1_to_full(thinned) < 0.25 < 0.8 < l1_to_full(recent_only)


def test_tpe_in_a_long_study_fits_no_more_kernels_than_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import parzen
    import parzen.samplers.tpe.sampler as tpe_module

    sizes: list[int] = []

    def capped_fit(numeric, categorical, weights, n_cells, n_choices, config):  # the real fit, a small cap
        estimator = fit_parzen_estimator(numeric, categorical, weights, n_cells, n_choices,
                                         dataclasses.replace(config, max_kernels=40))
        sizes.append(estimator.n_kernels)
        return estimator

    assert EstimatorConfig().max_kernels == 1000  # what TPE uses unless told otherwise
    monkeypatch.setattr(tpe_module, "fit_parzen_estimator", capped_fit)
    study = parzen.create_study(sampler=parzen.TPESampler(seed=0, n_ei_candidates=2))
    space = {"x": parzen.Float(0, 1)}
    for _ in range(120):
        trial = study.ask(space)
        study.tell(trial, (trial.params["x"] - 0.3) ** 2)
    assert max(sizes) == 41  # g(x) reached the cap (plus its prior kernel) and stayed there
    assert study.best_value < 0.01


# --- any input ---------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 30), st.integers(1, 3), st.lists(st.sampled_from([1, 2, 5, 64, 65, 1000]), max_size=2),
       st.sampled_from(["scott", "hyperopt"]), st.booleans(), st.integers(0, 2**32 - 1))
def test_any_fit_samples_inside_and_has_finite_log_pdf(n, d, grid, bandwidth, magic, seed) -> None:
    rng = np.random.default_rng(seed)
    n_cells = np.array([0] * d + grid)
    numeric = rng.random((n, len(n_cells)))
    numeric[: n // 3] = rng.choice([0.0, 1.0, 0.5], size=(n // 3, len(n_cells)))  # ties and ends
    n_choices = [1, 3]
    cats = np.column_stack([np.zeros(n, dtype=int), rng.integers(0, 3, n)])
    weights = rng.random(n) * rng.choice([0.0, 1.0, 1e6], size=n)
    est = fit_parzen_estimator(numeric, cats, weights, n_cells, n_choices,
                               EstimatorConfig(bandwidth=bandwidth, magic_clip=magic, min_bandwidth_factor=0.001))
    assert est.weights.sum() == pytest.approx(1.0)
    xs, cs = est.sample(rng, 50)
    assert np.all((xs >= 0) & (xs <= 1)) and np.all((cs >= 0) & (cs < np.array(n_choices)))
    probe = np.vstack([xs, np.zeros((1, len(n_cells))), np.ones((1, len(n_cells)))])
    probe_cats = np.vstack([cs, [[0, 0]], [[0, 2]]])
    assert np.all(np.isfinite(est.log_pdf(probe, probe_cats)))
