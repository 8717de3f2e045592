"""The demo system, generated deterministically from a fixed seed, at demo scale or scaled up for benchmarks.

`build_demo()` returns plain DataFrames and records; `load_demo()` writes them in one transaction. The demo is
dated relative to today: its data end with the last complete quarter before today, so nothing in it lies in the
future. The same scale and the same today always give the same data, because the seed is fixed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, transaction
from framework.core.model import User
from framework.demo.content import (
    BREAKDOWNS,
    INDICATORS,
    OUTCOMES,
    PLACE_NAMES,
    REGION,
    SYSTEM_NAME,
    VISION,
    IndicatorSpec,
)
from framework.foundation.measurements import upsert_measurements
from framework.foundation.systems import insert_system, link_areas, upsert_areas

SEED = 20230401
FRAMEWORK_START = date(2023, 4, 1)
ENGLAND = "E92000001"


@dataclass(frozen=True)
class DemoScale:
    """How big to make the demo. The defaults are the demo itself; bench/ asks for ICS or regional scale."""

    systems: int = 1
    indicators: int | None = None  # None: the curated set; more repeats it with new codes
    places: int = 4
    months: int | None = None  # None: each indicator's own frequency; a number: monthly for that many months
    breakdown_groups: int | None = None  # None: each indicator's own breakdowns; a number: that many for all
    breakdown_share: float = 1.0  # with breakdown_groups: share of indicators that carry breakdowns
    breakdowns_in_places: bool = False  # the demo breaks down at system level only; ICS scale does so everywhere
    seed: int = SEED


DEMO = DemoScale()
ICS = DemoScale(indicators=150, places=11, months=96, breakdown_groups=30, breakdown_share=0.8,
                breakdowns_in_places=True)
REGIONAL = replace(ICS, systems=7)


@dataclass
class DemoData:
    """Everything the demo writes, as records and frames."""

    systems: list[dict[str, Any]] = field(default_factory=list)
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # system, area, role
    visions: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    measurements: pd.DataFrame = field(default_factory=pd.DataFrame)


def data_end(today: date | None = None) -> date:
    """The end of the last complete quarter before today (default: the real date): where the demo's data stop."""
    today = today or date.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return quarter_start - timedelta(days=1)


def _system_codes(n: int) -> list[str]:
    return ["DEMO"] + [f"DEMO{i}" for i in range(2, n + 1)]


def _periods(frequency: str, months: int | None, end: date) -> pd.DataFrame:
    """Period labels, starts and ends, from the baseline period to the data's end."""
    if months is not None or frequency == "monthly":
        starts = (pd.date_range(end=pd.Timestamp(end).replace(day=1), periods=months, freq="MS")
                  if months is not None else pd.date_range("2023-03-01", end, freq="MS"))
        ends = starts + pd.offsets.MonthEnd(0)
        labels = starts.strftime("%b %Y")
    elif frequency == "quarterly":
        starts = pd.date_range("2023-01-01", end, freq="QS-JAN")
        ends = starts + pd.offsets.QuarterEnd(0)
        fy = np.where(starts.month >= 4, starts.year, starts.year - 1)
        quarter = ((starts.month - 4) % 12) // 3 + 1
        labels = [f"{y}/{str(y + 1)[-2:]} Q{q}" for y, q in zip(fy, quarter)]
    elif frequency == "annual":
        starts = pd.date_range("2022-04-01", end, freq="12MS")
        starts = starts[starts + pd.DateOffset(years=1) - pd.Timedelta(days=1) <= pd.Timestamp(end)]
        ends = starts + pd.DateOffset(years=1) - pd.Timedelta(days=1)
        labels = [f"{s.year}/{str(s.year + 1)[-2:]}" for s in starts]
    else:
        return pd.DataFrame(columns=["period_label", "period_start", "period_end"])
    return pd.DataFrame({"period_label": list(labels), "period_start": starts.date, "period_end": pd.DatetimeIndex(ends).date})


def _scaled_specs(scale: DemoScale) -> list[IndicatorSpec]:
    """The curated indicators, repeated with new codes when more are asked for."""
    if scale.indicators is None:
        return list(INDICATORS)
    numeric = [s for s in INDICATORS if s.kind != "qualitative"]
    specs = []
    for i in range(scale.indicators):
        base = numeric[i % len(numeric)]
        round_no = i // len(numeric)
        name = base.name if round_no == 0 else f"{base.name} (set {round_no + 1})"
        specs.append(replace(base, code=f"I{i + 1:03d}", name=name, status="active", source_ref=None))
    return specs


def _breakdown_groups(spec: IndicatorSpec, scale: DemoScale, index: int) -> list[tuple[str, str, float]]:
    """(breakdown, group, position from -1 most disadvantaged to +1 most advantaged) for one indicator."""
    if scale.breakdown_groups is None:
        chosen = [(b, BREAKDOWNS[b]) for b in spec.breakdowns]
    else:
        if (index * 0.618034) % 1 >= scale.breakdown_share:
            return []
        chosen, left = [], scale.breakdown_groups
        for b, groups in BREAKDOWNS.items():
            if left <= 0:
                break
            chosen.append((b, groups[:left]))
            left -= len(groups[:left])
    out = []
    for b, groups in chosen:
        n = len(groups)
        out += [(b, g, -1 + 2 * k / (n - 1) if n > 1 else 0.0) for k, g in enumerate(groups)]
    return out


def _targets_path(spec: IndicatorSpec, years: np.ndarray) -> np.ndarray:
    """The planned path from the baseline through the targets that are set, flat after the last one."""
    points = [(0.0, spec.baseline)] + [(h, t) for h, t in zip((1, 3, 5), spec.targets) if t is not None]
    if len(points) == 1:
        return np.full_like(years, spec.baseline, dtype=float)
    xs, ys = zip(*points)
    return np.interp(years, xs, ys)


def _simulate(spec: IndicatorSpec, rng: np.random.Generator, periods: pd.DataFrame, areas: list[tuple[str, float]],
              groups: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Values, confidence limits, counts and notes for one indicator over areas, periods and groups."""
    mid = pd.to_datetime(periods["period_end"]) - pd.Timedelta(days=14)
    years = ((mid - pd.Timestamp(FRAMEWORK_START)).dt.days / 365.25).clip(lower=0).to_numpy()
    planned = _targets_path(spec, years)
    trend = spec.baseline + spec.performance * (planned - spec.baseline)
    worse = -1.0 if spec.direction == "higher_is_better" else 1.0
    scale_of = max(abs(spec.baseline), 1.0)
    cells = [("All", "All", None)] + groups
    n_p, n_a, n_c = len(periods), len(areas), len(cells)
    area_shift = np.array([a[1] for a in areas]) * scale_of
    base = trend[None, :, None] + area_shift[:, None, None]
    gap = np.array([0.0 if c[2] is None else c[2] for c in cells])
    spread = spec.gap * (1 + spec.gap_trend * years)
    group_shift = -worse * spread[:, None] * gap[None, :] / 2
    noise_sd = 0.02 * scale_of
    values = base + group_shift[None, :, :] + rng.normal(0, noise_sd, (n_a, n_p, n_c))
    size = np.where(gap == 0, 1.0, 1.0 / max(len(groups), 1) * 2.5)[None, None, :] * np.array(
        [1.0 if i == 0 else 0.4 for i in range(n_a)])[:, None, None]
    lower = upper = count = denominator = None
    if spec.unit == "%":
        values = values.clip(0.5, 99.5)
        denominator = np.round(4000 * size * rng.uniform(0.8, 1.2, values.shape))
        count = np.round(values / 100 * denominator)
        p, n, z = count / denominator, denominator, 1.959964
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        values, lower, upper = p * 100, (centre - half) * 100, (centre + half) * 100
    elif spec.unit.startswith("per "):
        denominator = np.round(250_000 * size * rng.uniform(0.9, 1.1, values.shape))
        count = np.round(values.clip(min=1) * denominator / 100_000)
        values = count / denominator * 100_000
        half = 1.959964 * np.sqrt(count) / denominator * 100_000
        lower, upper = values - half, values + half
    else:
        values = np.round(values.clip(min=0), 1)
    frame = pd.DataFrame({
        "area_idx": np.repeat(np.arange(n_a), n_p * n_c),
        "period_idx": np.tile(np.repeat(np.arange(n_p), n_c), n_a),
        "cell_idx": np.tile(np.arange(n_c), n_a * n_p),
        "value": values.ravel(),
    })
    for name, arr in (("lower_ci", lower), ("upper_ci", upper), ("count", count), ("denominator", denominator)):
        frame[name] = np.nan if arr is None else arr.ravel()
    frame["area_code"] = np.array([a[0] for a in areas], dtype=object)[frame["area_idx"]]
    for col in ("period_label", "period_start", "period_end"):
        frame[col] = periods[col].to_numpy()[frame["period_idx"]]
    frame["breakdown"] = np.array([c[0] for c in cells], dtype=object)[frame["cell_idx"]]
    frame["breakdown_group"] = np.array([c[1] for c in cells], dtype=object)[frame["cell_idx"]]
    frame["value_note"] = None
    # Real data has gaps, suppressed small numbers, provisional figures and data quality notes.
    roll = rng.random(len(frame))
    frame = frame[roll >= 0.03].copy()
    roll = roll[roll >= 0.03]
    small = (roll < 0.045) & (frame["cell_idx"].to_numpy() > 0)
    frame.loc[small, ["value", "lower_ci", "upper_ci", "count"]] = np.nan
    frame.loc[small, "value_note"] = "Suppressed: fewer than 5 people"
    quality = (roll > 0.995) & ~small
    frame.loc[quality, "value_note"] = "There is a data quality issue with this value"
    latest = frame["period_idx"] == n_p - 1
    frame.loc[latest & frame["value_note"].isna(), "value_note"] = "Provisional"
    return frame.drop(columns=["area_idx", "period_idx", "cell_idx"])


def build_demo(scale: DemoScale = DEMO, today: date | None = None) -> DemoData:
    """Generate the demo data for every system at the given scale, ending with the last complete quarter before
    today (default: the real date); the same scale and today give the same data."""
    parts = list(iter_demo(scale, today))
    if len(parts) == 1:
        return parts[0]
    merged = DemoData()
    for part in parts:
        merged.systems += part.systems
        merged.links += part.links
        merged.visions += part.visions
        merged.outcomes += part.outcomes
        merged.indicators += part.indicators
    merged.areas = pd.concat([p.areas for p in parts], ignore_index=True)
    merged.measurements = pd.concat([p.measurements for p in parts], ignore_index=True)
    return merged


def iter_demo(scale: DemoScale = DEMO, today: date | None = None):
    """Generate the demo one system at a time, so that large scales can be written without holding them all."""
    end = data_end(today)
    rng = np.random.default_rng(scale.seed)
    extra = np.random.default_rng(scale.seed + 1)
    specs = _scaled_specs(scale)
    for s_no, code in enumerate(_system_codes(scale.systems)):
        data = DemoData()
        area_rows = []
        frames = []
        icb = f"{code}-ICB"
        suffix = "" if s_no == 0 else f" {s_no + 1}"
        name = SYSTEM_NAME if s_no == 0 else SYSTEM_NAME.replace(" (demo)", f"{suffix} (demo)")
        data.systems.append({"system_code": code, "name": name, "region_code": REGION[0], "region_name": REGION[1],
                             "icb_code": icb, "framework_start": FRAMEWORK_START, "is_demo": True})
        area_rows.append((icb, name.replace(" (demo)", " ICB (demo)"), "ICB", REGION[0]))
        data.links += [(code, icb, "system"), (code, ENGLAND, "comparator"), (code, REGION[0], "comparator")]
        places = []
        for p in range(scale.places):
            pname = PLACE_NAMES[p % len(PLACE_NAMES)] + ("" if p < len(PLACE_NAMES) else f" {p // len(PLACE_NAMES) + 1}")
            pcode = f"{code}-P{p + 1:02d}"
            area_rows.append((pcode, f"{pname}{suffix} (demo place)", "Local authority", icb))
            data.links.append((code, pcode, "place"))
            places.append(pcode)
        data.visions.append({"system_code": code, **VISION, "agreed_on": date(2023, 3, 15)})
        data.outcomes += [{"system_code": code, **outcome} for outcome in OUTCOMES]
        shifts = [(icb, 0.0)] + [(p, float(x)) for p, x in zip(places, rng.normal(0, 0.06, len(places)))]
        for i, spec in enumerate(specs):
            data.indicators.append(_indicator_record(code, spec))
            if spec.kind == "qualitative" or spec.baseline is None:
                continue
            periods = _periods(spec.frequency, scale.months, end)
            area_list = shifts + ([(ENGLAND, 0.04 * (1 if spec.direction == "higher_is_better" else -1))]
                                  if spec.comparator else [])
            frame = _simulate(spec, rng, periods, area_list, _breakdown_groups(spec, scale, i))
            if (spec.source_ref or "").startswith("log:"):
                continue  # its figures come from the engagement log; drawn anyway so the others stay as they were
            if scale.indicators is None:  # the curated demo: drawn from their own generator, so the rest stay as they were
                frame = pd.concat([frame, _region_rows(spec, frame, icb, extra), _not_stated_rows(spec, frame, icb, extra)],
                                  ignore_index=True)
            if not scale.breakdowns_in_places:
                frame = frame[(frame["area_code"] == icb) | (frame["breakdown"] == "All")]
            frame.insert(0, "indicator_code", spec.code)
            frame.insert(0, "system_code", code)
            frames.append(frame)
        data.areas = pd.DataFrame(area_rows, columns=["area_code", "area_name", "area_type", "parent_code"])
        data.measurements = pd.concat(frames, ignore_index=True)
        for col in ("period_start", "period_end"):
            data.measurements[col] = pd.to_datetime(data.measurements[col]).dt.date
        _set_baselines(data)
        yield data


def _with_intervals(unit: str, value: np.ndarray, denominator: np.ndarray) -> dict[str, np.ndarray]:
    """Counts and 95% confidence limits for values with denominators: Wilson for a percentage, Poisson-normal for a
    rate per 100,000 (the same methods as the rest of the demo)."""
    z = 1.959964
    if unit == "%":
        count = np.round(value / 100 * denominator)
        p, n = count / denominator, denominator
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return {"value": p * 100, "lower_ci": (centre - half) * 100, "upper_ci": (centre + half) * 100,
                "count": count, "denominator": denominator}
    count = np.round(value * denominator / 100_000)
    rate, half = count / denominator * 100_000, z * np.sqrt(count) / denominator * 100_000
    return {"value": rate, "lower_ci": rate - half, "upper_ci": rate + half, "count": count, "denominator": denominator}


def _region_rows(spec: IndicatorSpec, frame: pd.DataFrame, icb: str, rng: np.random.Generator) -> pd.DataFrame:
    """The NHS England region's headline values, for the measures compared with England: between the system's and
    England's, over a population about six times the system's, with confidence intervals."""
    if not spec.comparator or not (spec.unit == "%" or spec.unit.startswith("per ")):
        return frame.iloc[0:0]
    head = frame[frame["breakdown"] == "All"]
    own = head[head["area_code"] == icb].set_index("period_end")
    england = head[head["area_code"] == ENGLAND].set_index("period_end")
    both = own.index.intersection(england.index)
    own, england = own.loc[both], england.loc[both]
    keep = own["value"].notna().to_numpy() & england["value"].notna().to_numpy()
    own, england = own[keep], england[keep]
    value = (0.45 * own["value"] + 0.55 * england["value"]).to_numpy() * rng.normal(1, 0.01, len(own))
    denominator = np.round(own["denominator"].to_numpy() * 6 * rng.uniform(0.95, 1.05, len(own)))
    out = pd.DataFrame({"area_code": REGION[0], "period_label": own["period_label"].to_numpy(),
                        "period_start": own["period_start"].to_numpy(), "period_end": own.index.to_numpy(),
                        "breakdown": "All", "breakdown_group": "All", "value_note": None,
                        **_with_intervals(spec.unit, value, denominator)})
    return out[frame.columns]


def _not_stated_rows(spec: IndicatorSpec, frame: pd.DataFrame, icb: str, rng: np.random.Generator) -> pd.DataFrame:
    """A 'Not stated' group in the system's ethnicity breakdown, as real records have: about one record in sixteen at
    first, fewer as recording improves, with a value near the system's."""
    rows = frame[(frame["breakdown"] == "Ethnicity") & (frame["area_code"] == icb)]
    if rows.empty or rows["denominator"].isna().all():
        return frame.iloc[0:0]
    head = frame[(frame["breakdown"] == "All") & (frame["area_code"] == icb)].set_index("period_end")["value"]
    totals = rows.groupby("period_end").agg(period_label=("period_label", "first"), period_start=("period_start", "first"),
                                            records=("denominator", "sum"))
    totals = totals[totals.index.isin(head.dropna().index)]
    share = np.linspace(0.065, 0.035, len(totals)) * rng.uniform(0.9, 1.1, len(totals))
    denominator = np.round(totals["records"].to_numpy() * share / (1 - share))
    value = head.loc[totals.index].to_numpy() * rng.normal(1, 0.03, len(totals))
    if spec.unit == "%":
        value = value.clip(0.5, 99.5)
    out = pd.DataFrame({"area_code": icb, "period_label": totals["period_label"].to_numpy(),
                        "period_start": totals["period_start"].to_numpy(), "period_end": totals.index.to_numpy(),
                        "breakdown": "Ethnicity", "breakdown_group": "Not stated", "value_note": None,
                        **_with_intervals(spec.unit, value, denominator)})
    return out[frame.columns]


def _indicator_record(system_code: str, spec: IndicatorSpec) -> dict[str, Any]:
    t1, t3, t5 = spec.targets
    return {
        "system_code": system_code, "indicator_code": spec.code, "outcome_code": spec.outcome, "name": spec.name,
        "definition": spec.definition, "unit": spec.unit, "direction": spec.direction, "kind": spec.kind,
        "source": spec.source, "source_ref": spec.source_ref or f"demo:{spec.code}",
        "frequency": spec.frequency if spec.frequency != "none" else "twice a year", "owner_partner": spec.owner,
        "baseline_value": spec.baseline, "baseline_date": date(2023, 3, 31) if spec.baseline is not None else None,
        "target_1y": t1, "target_3y": t3, "target_5y": t5, "status": spec.status,
        "proposed_by": "Residents' assembly" if spec.kind == "perception" else "ICB engagement team",
    }


def _set_baselines(data: DemoData) -> None:
    """Each indicator's baseline is its system-level value in the last period ending by the framework start."""
    m = data.measurements
    head = m[(m["breakdown"] == "All") & m["area_code"].str.endswith("-ICB") & m["value"].notna()]
    head = head[head["period_end"] <= FRAMEWORK_START]
    last = head.sort_values("period_end").groupby(["system_code", "indicator_code"]).tail(1)
    found = {(r.system_code, r.indicator_code): (round(float(r.value), 2), r.period_end) for r in last.itertuples()}
    for rec in data.indicators:
        key = (rec["system_code"], rec["indicator_code"])
        if key in found:
            rec["baseline_value"], rec["baseline_date"] = found[key]


MEASUREMENT_COLUMNS = [
    "system_code", "indicator_code", "area_code", "period_label", "period_start", "period_end", "breakdown",
    "breakdown_group", "value", "lower_ci", "upper_ci", "count", "denominator", "value_note",
]


def write_demo(cur, user: User, data: DemoData, *, extras: bool = False, today: date | None = None) -> int:
    """Write generated demo data inside the caller's transaction; return the import batch id. With extras, the
    first system also gets an engagement log and a finished stakeholder review, dated to the same today."""
    from framework.foundation.indicators import insert_indicators

    require(user, "load_demo")
    upsert_areas(cur, data.areas, "Demo generator")
    batch_id = insert_returning(
        cur,
        "INSERT INTO import_batch (system_code, file_name, file_format, imported_by, rows_new)"
        " VALUES (?, 'demo generator', 'demo', ?, ?) RETURNING batch_id",
        [data.systems[0]["system_code"], user.user_id, len(data.measurements)],
    )
    for system in data.systems:
        insert_system(cur, user, system)
        code = system["system_code"]
        link_areas(cur, code, [(a, r) for s, a, r in data.links if s == code])
    for v in data.visions:
        cols = list(v)
        cur.execute(f"INSERT INTO vision ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(v.values()))
    for o in data.outcomes:
        cur.execute(
            "INSERT INTO outcome (system_code, outcome_code, title, description, ambition_1y, ambition_3y,"
            " ambition_5y, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [o["system_code"], o["outcome_code"], o["title"], o["description"], o["ambition_1y"], o["ambition_3y"],
             o["ambition_5y"], int(o["outcome_code"][1:])],
        )
        cur.executemany("INSERT INTO outcome_principle VALUES (?, ?, ?)",
                        [(o["system_code"], o["outcome_code"], p) for p in o["principles"]])
    for system in data.systems:
        insert_indicators(cur, system["system_code"],
                          [i for i in data.indicators if i["system_code"] == system["system_code"]])
    upsert_measurements(cur, data.measurements[MEASUREMENT_COLUMNS], batch_id)
    audit.record(cur, user, "create", "demo", ",".join(s["system_code"] for s in data.systems),
                 system_code=data.systems[0]["system_code"],
                 after={"systems": len(data.systems), "indicators": len(data.indicators),
                        "measurements": len(data.measurements)},
                 reason="Demo data loaded so a newcomer sees a working system")
    if extras:
        write_demo_extras(cur, user, data.systems[0]["system_code"], today)
    return batch_id


def write_demo_extras(cur, user: User, system_code: str, today: date | None = None) -> None:
    """The demo's engagement log (which also feeds the measures calculated from it) and its stakeholder review,
    both ending before today (default: the real date)."""
    from framework.demo.engagement_log import write_engagement_demo
    from framework.demo.review import write_demo_reviews

    require(user, "load_demo")
    write_engagement_demo(cur, user, system_code, today)
    write_demo_reviews(cur, user, system_code, feed_indicator=False, today=today)  # its results are suppressed at demo size


def load_demo(con, user: User, scale: DemoScale = DEMO, *, extras: bool = False,
              today: date | None = None) -> DemoData:
    """Generate and write the demo in one transaction; refuse when a demo system is already there. With extras,
    the demo also gets its engagement log and stakeholder review, as `init --demo` gives a newcomer, and then,
    through the product's own write functions, its prioritisation rounds, proposals, stories and open review.
    Everything is dated before today (default: the real date), but for the closing days of the open rounds."""
    require(user, "load_demo")
    data = build_demo(scale, today)
    codes = [s["system_code"] for s in data.systems]
    existing = con.cursor().execute(
        f"SELECT system_code FROM system WHERE system_code IN ({', '.join('?' * len(codes))})", codes
    ).fetchall()
    if existing:
        raise ValueError(f"The demo system {existing[0][0]} is already loaded in this database.")
    transaction(con, write_demo, user, data, extras=extras, today=today)
    if extras:
        from framework.demo.showcase import write_showcase

        write_showcase(con, user, codes[0], today)
    return data
