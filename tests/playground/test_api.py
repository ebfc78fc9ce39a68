"""The JSON API against its contract (SPEC.md, "The optimizer playground"): trajectories equal a plain
tg.optim loop in float64 (and torch.optim where installed), sweeps equal one run per cell, bad input is
refused with a message that names it."""

import json

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.playground import api, catalog, presets, surfaces

from .helpers import plain_loop, surface_function

pytestmark = pytest.mark.cpu_only

ALL_RUNS = [
    ("GD", {"lr": 0.001}),
    ("Momentum", {"lr": 0.002, "beta": 0.8}),
    ("NAG", {"lr": 0.001, "beta": 0.9}),
    ("SGD", {"lr": 0.001, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.001, "momentum": 0.5, "dampening": 0.3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 1.0}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adam", {"lr": 0.02, "amsgrad": True}),
    ("AdamW", {"lr": 0.02}),
    ("Adamax", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02}),
    ("Rprop", {"lr": 0.01}),
    ("RandomSearch", {"lr": 0.05, "std": 0.05, "num_directions": 4, "top_k": 2}),
]


def run_one(surface, optimizer, params, steps=150, start=(-1.2, 1.0), schedule=None, seed=0):
    body = {
        "surface": surface,
        "start": list(start),
        "steps": steps,
        "runs": [{"optimizer": optimizer, "params": params, "schedule": schedule, "seed": seed}],
    }
    return api.run(body)["runs"][0]


@pytest.mark.parametrize("surface", ["rosenbrock", "peaks"])
@pytest.mark.parametrize("optimizer, params", ALL_RUNS, ids=[f"{o}{i}" for i, (o, _) in enumerate(ALL_RUNS)])
def test_a_run_is_a_plain_tg_optim_loop(surface, optimizer, params):
    result = run_one(surface, optimizer, params, seed=7)
    expected = plain_loop(surface_function(surface), (-1.2, 1.0), 150, optimizer, params, seed=7)
    assert len(result["path"]) == 151 and not result["diverged"]
    np.testing.assert_array_equal(np.array(result["path"]), expected)  # float64, bit for bit
    assert len(result["loss"]) == len(result["grad_norm"]) == 151 and len(result["lr"]) == 150


def test_several_runs_in_one_request_do_not_interfere():
    body = {"surface": "himmelblau", "start": [0.5, -4], "steps": 200, "runs": []}
    for optimizer, params in ALL_RUNS[:8]:
        body["runs"].append({"optimizer": optimizer, "params": params})
    together = api.run(body)["runs"]
    for (optimizer, params), result in zip(ALL_RUNS[:8], together):
        alone = plain_loop(surface_function("himmelblau"), (0.5, -4), 200, optimizer, params)
        np.testing.assert_array_equal(np.array(result["path"]), alone)


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "StepLR", "params": {"step_size": 30, "gamma": 0.5}},
        {"name": "CosineAnnealingLR", "params": {"T_max": 100}},
        {"name": "MultiStepLR", "params": {"milestones": [20, 60], "gamma": 0.3}},
        {"name": "ExponentialLR", "params": {"gamma": 0.99}},
        {"name": "ReduceLROnPlateau", "params": {"patience": 3, "factor": 0.5}},
    ],
    ids=lambda s: s["name"],
)
def test_schedules_set_the_rate_as_in_a_loop(schedule):
    result = run_one("rosenbrock", "Adam", {"lr": 0.05}, steps=120, schedule=schedule)
    expected = plain_loop(surface_function("rosenbrock"), (-1.2, 1.0), 120, "Adam", {"lr": 0.05}, schedule)
    np.testing.assert_array_equal(np.array(result["path"]), expected)
    assert result["lr"][0] == 0.05
    if schedule["name"] == "StepLR":
        assert result["lr"][29] == 0.05 and result["lr"][30] == 0.025


def test_loss_grad_norm_and_lr_are_those_at_each_point():
    result = run_one("bowl", "GD", {"lr": 0.01}, steps=5, start=(1.0, 1.0))
    for (x, y), loss, norm in zip(result["path"], result["loss"], result["grad_norm"]):
        assert loss == pytest.approx(x**2 + 10 * y**2, rel=1e-15)
        assert norm == pytest.approx(np.hypot(2 * x, 20 * y), rel=1e-15)
    assert result["lr"] == [0.01] * 5


def test_a_diverging_run_stops_at_the_first_non_finite_value():
    result = run_one("bowl", "GD", {"lr": 1.5}, steps=2000, start=(1.0, 1.0))
    assert result["diverged"]
    assert 10 < len(result["path"]) < 2000
    assert all(np.isfinite(result["path"]).all() for _ in [0])
    assert result["loss"][-1] is None or result["grad_norm"][-1] is None
    assert all(v is not None for v in result["loss"][:-1])
    json.dumps(
        api.run(
            {
                "surface": "bowl",
                "start": [1, 1],
                "steps": 2000,
                "runs": [{"optimizer": "GD", "params": {"lr": 1.5}}],
            }
        ),
        allow_nan=False,
    )
    at_start = run_one({"expr": "log(x)"}, "Adam", {}, steps=10, start=(-1.0, 0.0))
    assert at_start["diverged"] and at_start["path"] == [[-1.0, 0.0]] and at_start["loss"] == [None]


def test_a_custom_formula_runs_like_the_same_named_surface():
    named = run_one("rosenbrock", "Adam", {"lr": 0.01})
    custom = run_one({"expr": "(1 - x)**2 + 100*(y - x**2)**2"}, "Adam", {"lr": 0.01})
    assert named["path"] == custom["path"]


def _sweep(optimizer, axes, params=None, steps=60, surface="rosenbrock", start=(-1.2, 1.0)):
    body = {"surface": surface, "start": list(start), "steps": steps, "optimizer": optimizer, "axes": axes}
    if params is not None:
        body["params"] = params
    return api.sweep(body)["final_loss"]


@pytest.mark.parametrize(
    "optimizer, axes, params",
    [
        (
            "SGD",
            [("lr", [1e-4, 5e-4, 2e-3, 3e-2]), ("momentum", [0.0, 0.5, 0.9])],
            None,
        ),  # batched along rows
        ("Adam", [("betas[0]", [0.0, 0.9]), ("lr", [0.01, 0.1, 1.0])], None),  # batched along columns
        ("RMSprop", [("alpha", [0.9, 0.99]), ("eps", [1e-8, 1e-3])], {"lr": 0.01}),  # one optimizer per cell
        ("NAG", [("lr", [1e-4, 1e-3]), ("beta", [0.5, 0.9])], None),
        ("Rprop", [("lr", [1e-3, 0.1]), ("etas[1]", [1.1, 1.5])], None),
        ("RandomSearch", [("lr", [0.01, 0.1]), ("std", [0.01, 0.1])], None),
        # a column of learning rates in every other optimizer's update formula
        ("Momentum", [("lr", [1e-4, 1e-3]), ("beta", [0.5, 0.9])], None),
        ("Adagrad", [("lr", [0.01, 0.3]), ("lr_decay", [0.0, 0.01])], None),
        ("Adadelta", [("rho", [0.5, 0.9]), ("lr", [0.1, 1.0])], None),
        ("RMSprop", [("lr", [1e-3, 1e-2]), ("alpha", [0.9, 0.99])], {"centered": True, "momentum": 0.3}),
        ("AdamW", [("lr", [0.01, 0.1]), ("weight_decay", [0.01, 0.1])], {"amsgrad": True}),
        ("Adamax", [("lr", [0.01, 0.1]), ("eps", [1e-8, 1e-3])], None),
        ("NAdam", [("lr", [0.01, 0.1]), ("momentum_decay", [0.004, 0.01])], None),
    ],
)
def test_a_sweep_cell_is_the_run_with_those_values(optimizer, axes, params):
    final = _sweep(optimizer, [{"name": n, "values": v} for n, v in axes], params)
    (name_a, rows), (name_b, cols) = axes
    f = surface_function("rosenbrock")
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            kwargs = dict(params or {})
            for name, value in ((name_a, a), (name_b, b)):
                if name.endswith("]"):
                    base, index = name[:-3], int(name[-2])
                    pair = list(kwargs.get(base, catalog.spec_of(optimizer, base).default))
                    pair[index] = value
                    kwargs[base] = tuple(pair)
                else:
                    kwargs[name] = value
            path = plain_loop(f, (-1.2, 1.0), 60, optimizer, kwargs)
            if len(path) < 61:
                assert final[i][j] is None
                continue
            x, y = path[-1]
            expected = (1 - x) ** 2 + 100 * (y - x**2) ** 2
            assert final[i][j] == pytest.approx(expected, rel=1e-12, abs=1e-300), (a, b)


def test_a_sweep_axis_may_be_a_whole_pair():
    pairs = [[0.5, 0.99], [0.9, 0.999]]
    final = _sweep("Adam", [{"name": "lr", "values": [0.01, 0.1]}, {"name": "betas", "values": pairs}])
    for i, lr in enumerate([0.01, 0.1]):
        for j, betas in enumerate(pairs):
            x, y = plain_loop(
                surface_function("rosenbrock"), (-1.2, 1.0), 60, "Adam", {"lr": lr, "betas": betas}
            )[-1]
            assert final[i][j] == pytest.approx((1 - x) ** 2 + 100 * (y - x**2) ** 2, rel=1e-12)
    with pytest.raises(api.ApiError, match="list of two numbers"):
        _sweep("Adam", [{"name": "lr", "values": [0.01]}, {"name": "betas", "values": [0.9]}])


def test_a_sweep_marks_diverged_cells_null():
    final = _sweep(
        "SGD",
        [{"name": "lr", "values": [0.01, 0.5]}, {"name": "momentum", "values": [0.0, 0.9]}],
        surface="bowl",
        steps=200,
        start=(1, 1),
    )
    assert final[0][0] is not None and final[1][0] is None and final[1][1] is None


# ---- the catalog -------------------------------------------------------------------------------------------


def test_catalog_lists_every_optimizer_surface_and_schedule():
    found = api.catalog()
    names = {o["name"] for o in found["optimizers"]}
    expected = {n for n in tg.optim.__all__ if n not in ("Optimizer", "lr_scheduler")}
    assert names == expected
    adam = next(o for o in found["optimizers"] if o["name"] == "Adam")
    defaults = {p["name"]: p["default"] for p in adam["params"]}
    assert defaults["lr"] == 1e-3 and defaults["betas"] == [0.9, 0.999] and defaults["amsgrad"] is False
    gd = next(o for o in found["optimizers"] if o["name"] == "GD")
    assert gd["params"][0]["required"] and gd["params"][0]["value"] > 0
    assert [s["name"] for s in found["surfaces"]] == [
        "bowl",
        "rosenbrock",
        "himmelblau",
        "beale",
        "saddle",
        "peaks",
        "rastrigin",
        "six_hump_camel",
    ]
    rosenbrock = found["surfaces"][1]
    assert rosenbrock["expr"] and rosenbrock["minima"] == [[1.0, 1.0]] and rosenbrock["log_levels"]
    schedules = {s["name"] for s in found["schedules"]}
    assert {"StepLR", "CosineAnnealingLR", "ExponentialLR", "ReduceLROnPlateau"} <= schedules
    assert "LambdaLR" not in schedules  # needs a function: nothing a slider can give
    json.dumps(found, allow_nan=False)


def test_presets_are_valid_requests():
    for name, preset in presets.PRESETS.items():
        body = {key: preset[key] for key in ("surface", "start", "steps", "runs")}
        answer = api.run(body)
        assert len(answer["runs"]) == len(preset["runs"]), name
        if preset.get("sweep"):
            run = preset["runs"][preset["sweep"]["run"]]
            axes = [{"name": a["name"], "values": [a["min"], a["max"]]} for a in preset["sweep"]["axes"]]
            api.sweep(
                {
                    "surface": body["surface"],
                    "start": body["start"],
                    "steps": 5,
                    "optimizer": run["optimizer"],
                    "axes": axes,
                }
            )


# ---- bad input ----------------------------------------------------------------------------------------

GOOD = {
    "surface": "bowl",
    "start": [1, 1],
    "steps": 10,
    "runs": [{"optimizer": "Adam", "params": {"lr": 0.1}}],
}


def _with(**changes):
    body = json.loads(json.dumps(GOOD))
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body, words",
    [
        ([], "JSON object"),
        ({"surface": "bowl"}, "needs 'start', 'steps', 'runs'"),
        (_with(extra=1), "unknown field 'extra'"),
        (_with(surface="banana"), "unknown surface 'banana'"),
        (_with(surface={"expr": "x +* y"}), "formula: expected a number"),
        (_with(surface={"expr": "x", "code": "1"}), '"surface" must be'),
        (_with(start=[1]), '"start" must be [x, y]'),
        (_with(start=[1, "a"]), '"start" must be [x, y]'),
        (_with(start=[1, 1e300]), "magnitude at most"),
        (_with(steps=-1), '"steps" must be a whole number from 0 to 5000'),
        (_with(steps=10**6), "from 0 to 5000"),
        (_with(steps=2.5), "whole number"),
        (_with(steps=True), "whole number"),
        (_with(runs=[]), "list of 1 to 8 runs"),
        (_with(runs=[{"optimizer": "Adam"}] * 9), "list of 1 to 8 runs"),
        (_with(runs=[{"optimizer": "LBFGS"}]), "unknown optimizer 'LBFGS'"),
        (_with(runs=[{"optimizer": "Adam", "params": {"lrr": 1}}]), "Adam has no parameter 'lrr'"),
        (_with(runs=[{"optimizer": "Adam", "params": {"lr": -1}}]), "invalid lr -1"),
        (_with(runs=[{"optimizer": "Adam", "params": {"lr": "big"}}]), "'lr' must be a number"),
        (_with(runs=[{"optimizer": "Adam", "params": {"betas": [0.9, 1.5]}}]), "betas[1]"),
        (_with(runs=[{"optimizer": "Adam", "params": {"betas": [0.9]}}]), "list of two numbers"),
        (_with(runs=[{"optimizer": "Adam", "params": {"amsgrad": 1}}]), "true or false"),
        (_with(runs=[{"optimizer": "GD"}]), "GD needs a value for lr"),
        (_with(runs=[{"optimizer": "SGD", "params": {"nesterov": True}}]), "nesterov"),
        (_with(runs=[{"optimizer": "RandomSearch", "params": {"num_directions": 10**7}}]), "between 0 and"),
        (
            _with(runs=[{"optimizer": "Adam", "schedule": {"name": "StepLR"}}]),
            "StepLR needs a value for step_size",
        ),
        (
            _with(runs=[{"optimizer": "Adam", "schedule": {"name": "LambdaLR"}}]),
            "unknown schedule 'LambdaLR'",
        ),
        (_with(runs=[{"optimizer": "Adam", "schedule": "StepLR"}]), '"schedule" must be null'),
        (_with(runs=[{"optimizer": "Adam", "seed": -3}]), "seed"),
        (_with(start=[10**400, 1]), '"start" must be [x, y]'),
        (_with(runs=[{"optimizer": "Adam", "params": {"lr": 10**400}}]), "magnitude at most"),
        (_with(runs=[{"optimizer": "Adam", "params": {"betas": [0.9, 10**400]}}]), "magnitude at most"),
        (_with(runs=[{"optimizer": "Adam", "params": {"eps": float("inf")}}]), "finite number"),
    ],
)
def test_bad_run_requests_name_the_problem(body, words):
    with pytest.raises(api.ApiError) as caught:
        api.run(body)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"axes": [{"name": "lr", "values": [0.1]}]}, "two axes"),
        (
            {"axes": [{"name": "lr", "values": [0.1]}, {"name": "lr", "values": [0.2]}]},
            "different parameters",
        ),
        (
            {"axes": [{"name": "lr", "values": [0.1]}, {"name": "nesterov", "values": [1]}]},
            "no numeric parameter 'nesterov'",
        ),
        (
            {"axes": [{"name": "lr", "values": [0.1]}, {"name": "momentum", "values": list(range(60))}]},
            "1 to 50",
        ),
        (
            {"axes": [{"name": "lr", "values": [0.1]}, {"name": "momentum", "values": ["x"]}]},
            "must be a number",
        ),
        ({"steps": 5000}, "from 0 to 2000"),
        (
            {
                "axes": [{"name": "lr", "values": [0.1] * 50}, {"name": "momentum", "values": [0.1] * 50}],
                "steps": 200,
            },
            "too large",
        ),
        (
            {
                "params": {"nesterov": True},
                "axes": [{"name": "lr", "values": [0.1]}, {"name": "momentum", "values": [0.0, 0.5]}],
            },
            "momentum=0.0",
        ),
    ],
)
def test_bad_sweeps_name_the_problem(changes, words):
    body = {
        "surface": "bowl",
        "start": [1, 1],
        "steps": 10,
        "optimizer": "SGD",
        "axes": [{"name": "lr", "values": [0.1]}, {"name": "momentum", "values": [0.5]}],
    }
    body.update(changes)
    with pytest.raises(api.ApiError) as caught:
        api.sweep(body)
    assert words in str(caught.value)


def test_surface_grid_for_the_contour_plot():
    answer = api.surface_grid({"surface": "saddle", "n": 5})
    assert answer["x"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert answer["z"][0][2] == -4.0  # y = −2, x = 0
    assert api.surface_grid({"surface": {"expr": "log(x)"}, "x_range": [-1, 1], "n": 3})["z"][0][0] is None
    with pytest.raises(api.ApiError) as caught:
        api.surface_grid({"surface": {"expr": "sin(x"}})
    assert caught.value.position == 5 and caught.value.as_json()["position"] == 5
    with pytest.raises(api.ApiError, match="low < high"):
        api.surface_grid({"surface": "bowl", "x_range": [1, -1]})


# ---- the oracle ---------------------------------------------------------------------------------------

TORCH_RUNS = [r for r in ALL_RUNS if r[0] not in ("GD", "Momentum", "NAG", "RandomSearch")]


@pytest.mark.parametrize(
    "optimizer, params", TORCH_RUNS, ids=[f"{o}{i}" for i, (o, _) in enumerate(TORCH_RUNS)]
)
def test_a_run_matches_a_torch_optim_loop(optimizer, params):
    torch = pytest.importorskip("torch")
    result = run_one("rosenbrock", optimizer, params, steps=200)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps NAdam's μ-product in the default dtype
    try:
        path = _torch_loop(torch, optimizer, params)
    finally:
        torch.set_default_dtype(previous)
    np.testing.assert_allclose(np.array(result["path"]), np.array(path), rtol=1e-10, atol=1e-12)


def _torch_loop(torch, optimizer, params):
    p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], **params)
    path = [p.tolist()]
    for _ in range(200):
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        opt.step()
        path.append(p.tolist())
    return path


def test_surfaces_evaluate_many_points_independently():
    surface = surfaces.SURFACES["beale"]
    points = np.array([[0.5, 0.5], [3.0, 0.5], [np.nan, 1.0]])
    loss, grad = surface.value_and_grad(points)
    single, _ = surface.value_and_grad(points[1:2])
    assert loss[1] == single[0] == 0.0 and np.isnan(loss[2]) and np.isfinite(grad[:2]).all()


def test_the_tutorials_link_to_every_preset():
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    text = "\n".join(path.read_text() for path in examples.glob("*.py"))
    for name in presets.PRESETS:
        assert f"playground --preset {name}`" in text, f"no tutorial links to the preset {name!r}"
    for preset in presets.PRESETS.values():
        assert (examples.parent / preset["tutorial"]).exists()


def test_a_random_search_sweep_is_bounded_by_its_evaluations():
    axes = [{"name": "lr", "values": [0.01, 0.1]}, {"name": "num_directions", "values": [1, 64]}]
    with pytest.raises(api.ApiError, match="RandomSearch sweep evaluates f"):
        _sweep("RandomSearch", axes, steps=500)  # 4 cells × 500 steps × (2·64 + 1) > 100,000
    assert len(_sweep("RandomSearch", axes, steps=20)) == 2
