"""The progress calculation written plainly in pandas: groupby over the measurements of a system, the way an
analyst would first write it. The benchmark times the DuckDB engine (framework.progress_sql) against it and checks
that both give the same answers."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from framework.core.db import read_df
from framework.progress.engine import (
    DAYS_PER_YEAR,
    FLAT_TOLERANCE_SHARE,
    MIN_POINTS,
    TOLERANCE_SHARE,
    TREND_WINDOW_DAYS,
)
from framework.progress.periods import bounded

KEYS = ["system_code", "indicator_code", "area_code"]


def load(con, system_code: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The raw inputs, read once: measurements, indicators with their system's start, system areas."""
    m = read_df(con, "SELECT * FROM measurement WHERE system_code = ?", [system_code])
    ind = read_df(con, "SELECT i.*, s.framework_start FROM indicator i JOIN system s USING (system_code)"
                       " WHERE i.system_code = ?", [system_code])
    areas = read_df(con, "SELECT * FROM system_area WHERE system_code = ?", [system_code])
    return m, ind, areas


def _years(start: pd.Series, when: pd.Series) -> pd.Series:
    return (pd.to_datetime(when) - pd.to_datetime(start)).dt.days / DAYS_PER_YEAR


def progress_pandas(m: pd.DataFrame, ind: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """The v_progress rows for one system, computed with pandas."""
    ind = ind[ind["kind"] != "qualitative"].copy()
    ind["framework_start"] = pd.to_datetime(ind["framework_start"])
    head = m[(m["breakdown"] == "All") & (m["breakdown_group"] == "All") & m["value"].notna()]
    head = head[pd.to_datetime(head["period_end"]) <= pd.Timestamp(date.today())]  # periods still running wait
    head = head.merge(ind[["system_code", "indicator_code", "framework_start"]], on=["system_code", "indicator_code"])
    head = head.assign(period_end=pd.to_datetime(head["period_end"])).sort_values(KEYS + ["period_end"])

    groups = head.groupby(KEYS, sort=False)
    last = groups.tail(1).set_index(KEYS)
    series = pd.DataFrame({
        "latest_period_end": last["period_end"], "latest_value": last["value"],
        "latest_lower": last["lower_ci"], "latest_upper": last["upper_ci"],
        "points": groups.size(),
    })
    before = head[head["period_end"] <= head["framework_start"]].groupby(KEYS).tail(1).set_index(KEYS)["value"]
    series["own_baseline"] = before

    head = head.join(series["latest_period_end"], on=KEYS)
    window = head[head["period_end"] >= head["latest_period_end"] - pd.Timedelta(days=TREND_WINDOW_DAYS)].copy()
    window["x"] = _years(window["framework_start"], window["period_end"])
    fit = window.groupby(KEYS).agg(n=("x", "size"), mean_x=("x", "mean"), mean_y=("value", "mean"))
    window = window.join(fit[["mean_x", "mean_y"]], on=KEYS)
    window["dx"], window["dy"] = window["x"] - window["mean_x"], window["value"] - window["mean_y"]
    window["dxx"], window["dyy"], window["dxy"] = window["dx"] ** 2, window["dy"] ** 2, window["dx"] * window["dy"]
    sums = window.groupby(KEYS)[["dxx", "dyy", "dxy"]].sum()
    fit["sxx"], fit["syy"], fit["sxy"] = sums["dxx"], sums["dyy"], sums["dxy"]
    fit["slope"] = fit["sxy"] / fit["sxx"].where(fit["sxx"] != 0)
    fit["intercept"] = fit["mean_y"] - fit["slope"] * fit["mean_x"]

    system_area = areas.loc[areas["role"] == "system", ["system_code", "area_code"]]
    keys = pd.concat([series.reset_index()[KEYS], ind[["system_code", "indicator_code"]].merge(system_area)])
    base = keys.drop_duplicates().merge(ind, on=["system_code", "indicator_code"])
    base = base.merge(series.reset_index(), on=KEYS, how="left").merge(fit.reset_index(), on=KEYS, how="left")
    role = base.merge(areas[["area_code", "role"]], on="area_code", how="left")["role"]
    base["baseline"] = np.where(role.eq("system"), base["baseline_value"].fillna(base["own_baseline"]),
                                base["own_baseline"].fillna(base["baseline_value"]))
    base["judged_at"] = base["latest_period_end"]

    start = base["framework_start"]
    knot_dates = np.stack([start] + [start + pd.DateOffset(years=h) - pd.Timedelta(days=1) for h in (1, 3, 5)],
                          axis=1).astype("datetime64[ns]")
    knot_values = np.stack([base["baseline"], base["target_1y"], base["target_3y"], base["target_5y"]],
                           axis=1).astype(float)
    judged = base["judged_at"].to_numpy(dtype="datetime64[ns]")
    usable = ~np.isnan(knot_values)
    is_before = usable & (knot_dates <= judged[:, None])
    is_after = usable & (knot_dates > judged[:, None])
    big = np.datetime64("2262-01-01")
    small = np.datetime64("1678-01-01")
    i0 = np.where(is_before, knot_dates, small).argmax(axis=1)
    i1 = np.where(is_after, knot_dates, big).argmin(axis=1)
    has0, has1 = is_before.any(axis=1), is_after.any(axis=1)
    rows = np.arange(len(base))
    d0, v0 = knot_dates[rows, i0], knot_values[rows, i0]
    d1, v1 = knot_dates[rows, i1], knot_values[rows, i1]
    span = (d1 - d0).astype("timedelta64[D]").astype(float)
    into = (judged - d0).astype("timedelta64[D]").astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(~has0, base["baseline"], np.where(~has1, v0, v0 + (v1 - v0) * into / span))
    valid = base["baseline"].notna().to_numpy() & ~np.isnat(judged)
    base["expected_now"] = np.where(valid, expected, np.nan)
    resid = np.sqrt(np.maximum(base["syy"] - base["sxy"] ** 2 / base["sxx"].where(base["sxx"] != 0), 0) / (base["n"] - 2))
    base["resid_sd"] = resid.where(base["n"] > 2)

    out = []
    for h in (1, 3, 5):
        part = base.copy()
        part["horizon_years"] = h
        part["horizon_date"] = part["framework_start"] + pd.DateOffset(years=h) - pd.Timedelta(days=1)
        part["target"] = part[f"target_{h}y"]
        out.append(part)
    p = pd.concat(out, ignore_index=True)
    hx = _years(p["framework_start"], p["horizon_date"])
    projectable = (p["n"] >= MIN_POINTS) & (p["sxx"] > 1e-12) & (p["horizon_date"] > p["judged_at"])
    p["projected_at_horizon"] = (p["intercept"] + p["slope"] * hx).where(projectable)
    units = p["indicator_code"].map(ind.drop_duplicates("indicator_code").set_index("indicator_code")["unit"])
    p["projected_at_horizon"] = [bounded(v, u) for v, u in zip(p["projected_at_horizon"], units)]
    p["reference"] = np.where(p["horizon_date"] <= p["judged_at"], p["target"], p["expected_now"])
    p.loc[p["target"].isna(), "reference"] = np.nan
    planned = (p["target"] - p["baseline"]).abs()
    p["tolerance"] = np.where(planned > 0, TOLERANCE_SHARE * planned, FLAT_TOLERANCE_SHARE * p["baseline"].abs())
    sign = np.where(p["direction"] == "higher_is_better", 1, -1)
    conditions = [
        p["target"].isna() | (p["direction"] == "no_judgement"),
        p["latest_value"].isna() | p["baseline"].isna() | (p["latest_period_end"] <= p["framework_start"]),
        (p["latest_lower"] <= p["reference"]) & (p["reference"] <= p["latest_upper"]),
        (p["latest_value"] - p["reference"]).abs() <= p["tolerance"],
        (p["latest_value"] - p["reference"]) * sign > 0,
    ]
    p["status"] = np.select(conditions, ["no_target", "not_enough_data", "on_track", "on_track", "ahead"], "behind")
    p["horizon_date"] = p["horizon_date"].dt.date
    p["latest_period_end"] = pd.to_datetime(p["latest_period_end"]).dt.date
    cols = ["system_code", "indicator_code", "area_code", "horizon_years", "horizon_date", "target", "latest_value",
            "latest_period_end", "expected_now", "projected_at_horizon", "status"]
    return p[cols].sort_values(["indicator_code", "area_code", "horizon_years"]).reset_index(drop=True)


def differences(engine: pd.DataFrame, baseline: pd.DataFrame) -> list[str]:
    """Where the engine and the pandas baseline disagree (empty when they agree to 1e-9)."""
    a = engine[baseline.columns].sort_values(["indicator_code", "area_code", "horizon_years"]).reset_index(drop=True)
    b = baseline
    if len(a) != len(b):
        return [f"row counts differ: engine {len(a)}, pandas {len(b)}"]
    problems = []
    for col in b.columns:
        x, y = a[col], b[col]
        if col in ("target", "latest_value", "expected_now", "projected_at_horizon"):
            xs, ys = x.astype(float).to_numpy(), y.astype(float).to_numpy()
            same = np.isclose(xs, ys, rtol=1e-9, atol=1e-9) | (np.isnan(xs) & np.isnan(ys))
        else:
            same = (x.astype(str) == y.astype(str)).to_numpy()
        if not same.all():
            i = int(np.argmin(same))
            problems.append(f"{col} differs in {int((~same).sum())} rows, e.g. row {i}: engine {x.iloc[i]!r}, "
                            f"pandas {y.iloc[i]!r}")
    return problems
