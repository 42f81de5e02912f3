"""Disclosure control over a whole release: which cells to hide, and the attacker's audit that checks it.

The release's cells (:mod:`lib.public.release`) are all linear sums of a few
*base* counts, unknown to the public:

- ``B1[f, m]``: incidents of finest area ``f`` (beat, or ``none``) in month ``m``;
- ``B2[g, k, m]``: incidents of category ``k`` in the city (``g``) in month ``m``
  (categories are published for the city only);

tied by ``sum_f B1[f, m] = sum_k B2[g, k, m]``.
Area-by-category counts are not published, and a table of beats by categories
whose row and column totals are known constrains those totals by nothing but
that equality (a transportation polytope is non-empty exactly when the totals
agree), so this model holds everything the public can infer.

With ``cat_periods`` (the complaints release: categories per district and year),
categories are published for every area in those periods as well, and ``B2``
is kept per finest area instead: ``B2[f, k, m]``, tied by ``B1[f, m] = sum_k
B2[f, k, m]``. Every published cell is then a sum of base counts of the model
(the city's categories per month, an area's categories per year), so the
model is again everything the public can infer.

**Suppression** (:func:`protect`). Counts of 1 to ``min_count - 1`` are hidden
(primary). Complementary cells come from a mixed integer programme solved with
HiGHS (:func:`scipy.optimize.milp`) over every published equation at once (area
hierarchy x months, quarters, years and year to date x categories): in each
equation that holds a hidden cell, at least one other is hidden, and the hidden
partners of a small count must leave it room to move by at least two (a 1 next
to a hidden 0 is still a 1). The objective is the information lost,
``1 + sqrt(value)`` per hidden cell, so big totals stay shown. Equations enter
the programme as hidden cells reach them (row generation).

**Audit** (:func:`attack`). For every hidden small count, the attacker's linear
programme over all published numbers (shown cells as equalities, each "fewer than
5" between 1 and ``min_count - 1``, every base count at least 0) gives its
minimum and maximum (HiGHS via :func:`scipy.optimize.linprog`). A count whose
range holds fewer than three whole numbers fails. The programme splits into its
connected components once the shown cells with a single base count are
substituted, so each LP is small. Where the audit fails, the suppression asks
for more partners around the failing counts and runs again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

MIN_VALUES = 3  # a hidden count must keep at least this many possible values
ROUNDS = 6  # suppression-audit rounds before the fallback (hide every partner)
MILP_SECONDS = 30.0
TOL = 1e-6


@dataclass
class Model:
    """The release's cells as rows of a sparse matrix over the base counts, and their linking equations."""

    cells: pd.DataFrame  # level, area, period, period_start, period_end, category, value, uid (one row per cell)
    matrix: sp.csr_matrix  # distinct cell (uid) x base count
    truth: np.ndarray  # the base counts
    values: np.ndarray  # per uid
    year: np.ndarray  # per uid: the calendar year of its period
    var_year: np.ndarray  # per base count
    transport: sp.csr_matrix  # rows: sum_f B1 - sum_k B2 = 0
    equations: list[tuple[int, tuple[int, ...]]]  # (parent uid, child uids)

    @classmethod
    def build(cls, chain, assign, months, periods, categories, base, min_count, cat_periods=None) -> Model:
        """The model of one release (see the module docstring); ``assign``: finest code -> {level: area}.

        ``cat_periods``: (kind, start) of the periods whose categories are published for every area of
        every level too (None: categories for the city only).
        """
        finest_published = len(chain) > 1
        l1 = chain[1] if finest_published else chain[0]
        cat_level = chain[-1]  # categories are published for the city (one B2 group)
        by_area = cat_periods is not None and finest_published
        cat_periods = set(cat_periods or ())
        fin = list(assign)  # finest codes, none included
        fidx = {f: i for i, f in enumerate(fin)}
        # B2 per finest area when areas publish categories, else one group: the city
        g_of = list(fin) if by_area else [assign[f][cat_level] for f in fin]
        groups = list(dict.fromkeys(g_of))
        gidx = {g: i for i, g in enumerate(groups)}
        K, M, F, G = len(categories), len(months), len(fin), len(groups)
        kidx = {k: i for i, k in enumerate(categories)}
        midx = {m: i for i, m in enumerate(months)}
        n1 = F * M
        nvar = n1 + G * K * M

        def b1(f, m):
            return f * M + m

        def b2(g, k, m):
            return n1 + (g * K + k) * M + m

        truth = np.zeros(nvar)
        if len(base):
            fi = base["code"].map(fidx).to_numpy()
            mi = base["month"].map(midx).to_numpy()
            ki = base["category"].map(kidx).to_numpy()
            gi = np.array([gidx[g_of[i]] for i in fi])
            n = base["n"].to_numpy(dtype=float)
            np.add.at(truth, fi * M + mi, n)
            if K:
                np.add.at(truth, n1 + (gi * K + ki.astype(int)) * M + mi, n)
        var_year = np.zeros(nvar, dtype=int)
        myear = np.array([m.year for m in months], dtype=int)
        if M:
            var_year[:n1] = np.tile(myear, F)
            var_year[n1:] = np.tile(myear, G * K)
        # finest members of each area of each level (through the first coarser level, so the levels nest)
        members: dict[tuple[str, str], list[int]] = {}
        for lvl in chain[1:]:
            for f in fin:
                members.setdefault((lvl, assign[f][lvl]), []).append(fidx[f])
        groups_of: dict[tuple[str, str], list[int]] = {}
        for (lvl, a), fs in members.items():
            groups_of[(lvl, a)] = sorted({gidx[g_of[f]] for f in fs})

        rows, cols, meta = [], [], []
        key_uid: dict[tuple, int] = {}
        uid_of_cell: dict[tuple, int] = {}
        uid_vars: list[tuple[int, ...]] = []

        def add(level, area, per, cat, var_list):
            key = tuple(sorted(var_list))
            uid = key_uid.get(key)
            if uid is None:
                uid = len(uid_vars)
                key_uid[key] = uid
                uid_vars.append(key)
            meta.append((level, area, per.kind, per.start, per.end, cat, uid))
            uid_of_cell[(level, area, per.kind, per.start, cat)] = uid

        def cats_of(lvl, per):
            if lvl == cat_level or (by_area and (per.kind, per.start) in cat_periods):
                return categories
            return ()

        for per in periods:
            ms = per.months
            if finest_published:
                for f in fin:
                    add(chain[0], f, per, "all", [b1(fidx[f], m) for m in ms])
                    for k in cats_of(chain[0], per):
                        add(chain[0], f, per, k, [b2(gidx[g_of[fidx[f]]], kidx[k], m) for m in ms])
            for lvl in chain[1:]:
                areas = [a for (lv, a) in members if lv == lvl]
                for a in areas:
                    fs = members[(lvl, a)]
                    add(lvl, a, per, "all", [b1(f, m) for f in fs for m in ms])
                    for k in cats_of(lvl, per):
                        add(lvl, a, per, k, [b2(g, kidx[k], m) for g in groups_of[(lvl, a)] for m in ms])
        for uid, key in enumerate(uid_vars):
            rows.extend([uid] * len(key))
            cols.extend(key)
        matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(uid_vars), nvar))
        values = np.rint(matrix @ truth).astype(np.int64)
        year = np.array([var_year[k[0]] if k else 0 for k in uid_vars], dtype=int)
        cells = pd.DataFrame(meta, columns=["level", "area", "period", "period_start", "period_end", "category", "uid"])
        cells["uid"] = cells["uid"].astype("int64")
        cells["period_start"] = pd.to_datetime(cells["period_start"])
        cells["period_end"] = pd.to_datetime(cells["period_end"])
        cells["value"] = values[cells["uid"].to_numpy()]
        # transport equalities
        trows, tcols, tvals = [], [], []
        r = 0
        for g in range(G if K else 0):  # without categories there is nothing to tie
            fs = [i for i in range(F) if gidx[g_of[i]] == g]
            for m in range(M):
                for f in fs:
                    trows.append(r), tcols.append(b1(f, m)), tvals.append(1.0)
                for k in range(K):
                    trows.append(r), tcols.append(b2(g, k, m)), tvals.append(-1.0)
                r += 1
        transport = sp.csr_matrix((tvals, (trows, tcols)), shape=(r, nvar))
        equations = _equations(chain, fin, members, periods, categories, uid_of_cell, finest_published, l1, assign)
        return cls(cells, matrix, truth, values, year, var_year, transport, equations)


def _equations(chain, fin, members, periods, categories, uid_of, finest_published, l1, assign):
    """Parent = sum of children, over areas, categories and periods, as uids (identical cells merged)."""
    out = set()

    def put(parent, children):
        if parent is None or any(c is None for c in children):
            return
        kids = [c for c in children if c != parent]
        if len(kids) == len(children) and len(kids) >= 1:
            out.add((parent, tuple(sorted(set(kids)))))

    by_level: dict[str, list[str]] = {}
    for lvl, a in members:
        by_level.setdefault(lvl, []).append(a)
    cats = ["all", *categories]
    # area hierarchy
    for i, lvl in enumerate(chain[1:], start=1):
        child = chain[i - 1]
        for a in by_level.get(lvl, []):
            if child == chain[0] and finest_published:
                kids = [f for f in fin if (assign[f][lvl] if lvl != l1 else assign[f][l1]) == a]
                for per in periods:
                    for k in cats:  # categories where the finest areas publish them (put skips the rest)
                        put(
                            uid_of.get((lvl, a, per.kind, per.start, k)),
                            [uid_of.get((child, f, per.kind, per.start, k)) for f in kids],
                        )
            elif child != chain[0]:
                kids = sorted({assign[f][child] for f in fin if assign[f][lvl] == a})
                for per in periods:
                    for k in cats:
                        put(
                            uid_of.get((lvl, a, per.kind, per.start, k)),
                            [uid_of.get((child, c, per.kind, per.start, k)) for c in kids],
                        )
    # categories
    if categories:
        for lvl in chain if finest_published else chain[1:]:
            for a in fin if lvl == chain[0] else by_level.get(lvl, []):
                for per in periods:
                    put(
                        uid_of.get((lvl, a, per.kind, per.start, "all")),
                        [uid_of.get((lvl, a, per.kind, per.start, k)) for k in categories],
                    )
    # periods
    months = [p for p in periods if p.kind == "month"]
    quarters = [p for p in periods if p.kind == "quarter"]
    month_of = {p.months[0]: p for p in months}
    units = [(chain[0], f, k) for f in fin for k in cats] if finest_published else []
    for lvl in chain[1:]:
        units += [(lvl, a, k) for a in by_level.get(lvl, []) for k in cats]
    for per in periods:
        if per.kind == "month":
            continue
        parts = [month_of[m] for m in per.months]
        if per.kind == "year" and quarters:
            qs = [q for q in quarters if q.year == per.year]
            if len(qs) == 4:
                for lvl, a, k in units:
                    put(
                        uid_of.get((lvl, a, per.kind, per.start, k)),
                        [uid_of.get((lvl, a, q.kind, q.start, k)) for q in qs],
                    )
        for lvl, a, k in units:
            put(uid_of.get((lvl, a, per.kind, per.start, k)), [uid_of.get((lvl, a, p.kind, p.start, k)) for p in parts])
        # Whole quarters inside a longer period, and the months left over (year to date = Q1 + Q2 + Q3 + Oct).
        inner = [q for q in quarters if set(q.months) <= set(per.months) and q is not per]
        if per.kind != "quarter" and inner:
            rest = [month_of[m] for m in per.months if not any(m in q.months for q in inner)]
            for lvl, a, k in units:
                put(
                    uid_of.get((lvl, a, per.kind, per.start, k)),
                    [uid_of.get((lvl, a, p.kind, p.start, k)) for p in inner + rest],
                )
    # A year and its year to date: the year is the year to date and the months after it.
    for ytd in (p for p in periods if p.kind == "ytd"):
        for year in (p for p in periods if p.kind == "year" and p.year == ytd.year and len(p.months) > len(ytd.months)):
            rest = [month_of[m] for m in year.months if m not in ytd.months]
            for lvl, a, k in units:
                put(
                    uid_of.get((lvl, a, year.kind, year.start, k)),
                    [uid_of.get((lvl, a, ytd.kind, ytd.start, k))]
                    + [uid_of.get((lvl, a, p.kind, p.start, k)) for p in rest],
                )
    return sorted(out)


# -- the audit ------------------------------------------------------------------------------------


@dataclass
class AuditResult:
    """What the attacker's linear programme recovers: every hidden small count with its range."""

    passed: bool
    small: int  # hidden small counts (distinct cells)
    complementary: int  # cells hidden to protect them (small totals hidden without their label included)
    unlabelled: int = 0  # small counts hidden as complementary (their label would give their parts away)
    pinned: list[tuple[int, float, float]] = field(default_factory=list)  # (uid, min, max) with < 3 values
    lps: int = 0
    components: int = 0
    seconds: float = 0.0
    rounds: int = 0
    milp_seconds: float = 0.0
    audit_seconds: float = 0.0
    primary: np.ndarray | None = None  # per uid
    hidden: np.ndarray | None = None  # per uid
    small_mask: np.ndarray | None = None  # per uid: true counts of 1 to min - 1

    def summary(self) -> dict:
        return {
            "passed": self.passed,
            "small": self.small,
            "complementary": self.complementary,
            "unlabelled_small": self.unlabelled,
            "pinned": [[int(u), round(a, 3), round(b, 3)] for u, a, b in self.pinned[:50]],
            "pinned_count": len(self.pinned),
            "lps": self.lps,
            "components": self.components,
            "rounds": self.rounds,
            "seconds": round(self.seconds, 2),
            "milp_seconds": round(self.milp_seconds, 2),
            "audit_seconds": round(self.audit_seconds, 2),
            "min_values": MIN_VALUES,
        }


def attack(
    matrix: sp.csr_matrix,
    values: np.ndarray,
    hidden: np.ndarray,
    primary: np.ndarray,
    upper: int,
    extra_eq: sp.csr_matrix | None = None,
    targets: np.ndarray | None = None,
) -> tuple[list[tuple[int, float, float]], int, int]:
    """The attacker's bounds on every hidden small cell: (pinned (uid, min, max), LPs solved, components).

    ``matrix`` maps cells to unknowns (each at least 0); shown cells are
    equalities, primary (small) hidden cells lie in ``[1, upper]``, other hidden
    cells only at least 0. ``extra_eq``: further equalities (= 0) the public knows. Each bound is
    re-solved with HiGHS's primal simplex from the last basis (see :class:`_Component`).
    """
    matrix = sp.csr_matrix(matrix)
    nvar = matrix.shape[1]
    shown = ~hidden
    targets = np.flatnonzero(primary & hidden) if targets is None else np.asarray(targets)
    labelled = primary
    # Fix the unknowns that a shown cell gives alone.
    fixed = np.full(nvar, np.nan)
    nnz = np.diff(matrix.indptr)
    for uid in np.flatnonzero(shown & (nnz == 1)):
        fixed[matrix.indices[matrix.indptr[uid]]] = values[uid]
    for uid in np.flatnonzero(shown & (values == 0)):
        fixed[matrix.indices[matrix.indptr[uid] : matrix.indptr[uid + 1]]] = 0.0
    free = np.isnan(fixed)
    known = np.where(free, 0.0, fixed)
    # Rows that still hold a free unknown: shown (eq), primary (range), extra (eq); hidden others say nothing.
    eq_rows = np.flatnonzero(shown)
    rng_rows = np.flatnonzero(hidden & primary)
    blocks = [matrix[eq_rows], matrix[rng_rows]]
    rhs_eq = values[eq_rows].astype(float) - matrix[eq_rows] @ known
    rhs_lo = 1.0 - matrix[rng_rows] @ known
    rhs_hi = float(upper) - matrix[rng_rows] @ known
    if extra_eq is not None and extra_eq.shape[0]:
        blocks.append(extra_eq)
        rhs_x = -(extra_eq @ known)
    else:
        blocks.append(sp.csr_matrix((0, nvar)))
        rhs_x = np.zeros(0)
    free_idx = np.flatnonzero(free)
    col = np.full(nvar, -1)
    col[free_idx] = np.arange(len(free_idx))
    sub = [sp.csr_matrix(b)[:, free_idx] for b in blocks]
    A = sp.vstack(sub, format="csr")
    kind = np.concatenate([np.zeros(sub[0].shape[0], int), np.ones(sub[1].shape[0], int), np.full(sub[2].shape[0], 2)])
    lo = np.concatenate([rhs_eq, rhs_lo, rhs_x])
    hi = np.concatenate([rhs_eq, rhs_hi, rhs_x])
    live = np.diff(A.indptr) > 0
    # Rows with no free unknown left must hold as they are (they do, for the true counts).
    A, kind, lo, hi = A[live], kind[live], lo[live], hi[live]
    nfree = len(free_idx)
    pinned: list[tuple[int, float, float]] = []
    if nfree == 0:
        for uid in targets:
            pinned.append((int(uid), float(values[uid]), float(values[uid])))
        return pinned, 0, 0
    # Components of the bipartite graph rows x free unknowns.
    nrow = A.shape[0]
    # The targets' own rows join their unknowns too (an unlabelled one has no constraint row).
    link = sp.vstack([A, matrix[targets][:, free_idx]], format="csr") if len(targets) else A
    nlink = link.shape[0]
    graph = sp.bmat([[None, link], [link.T, None]], format="csr")
    ncomp, labels = connected_components(graph, directed=False)
    var_comp = labels[nlink:]
    row_comp = labels[:nrow]
    comp_rows: dict[int, np.ndarray] = {}
    order = np.argsort(row_comp, kind="stable")
    splits = np.flatnonzero(np.diff(row_comp[order])) + 1
    for chunk in np.split(order, splits):
        if len(chunk):
            comp_rows[int(row_comp[chunk[0]])] = chunk
    lps = 0
    by_comp: dict[int, list[int]] = {}
    target_vec = {}
    for uid in targets:
        start, end = matrix.indptr[uid], matrix.indptr[uid + 1]
        vars_ = matrix.indices[start:end]
        fv = vars_[free[vars_]]
        const = float(known[vars_].sum())
        if len(fv) == 0:
            pinned.append((int(uid), const, const))
            continue
        comps = set(var_comp[col[fv]].tolist())
        target_vec[int(uid)] = (col[fv], const)
        by_comp.setdefault(min(comps), []).append(int(uid))
        if len(comps) > 1:  # cannot happen: the target's own row joins its unknowns
            raise AssertionError("a hidden count spans components")
    for comp, uids in by_comp.items():
        rows = comp_rows.get(comp, np.zeros(0, int))
        cvars = np.flatnonzero(var_comp == comp)
        local = np.full(nfree, -1)
        local[cvars] = np.arange(len(cvars))
        solver = _Component(A[rows][:, cvars], lo[rows], hi[rows])
        for uid in uids:
            fv, const = target_vec[uid]
            idx = local[fv]
            lab = bool(labelled[uid])
            cap = upper if lab else np.inf
            floor_ = 1 if lab else 0
            v = float(values[uid])
            # Maximise first for a count near the bottom of its range, minimise first near the top: the true value
            # lies between the bounds, so one side alone often shows room enough.
            order = (1, -1) if v * 2 <= upper + 1 else (-1, 1)
            top = low = v
            for n_done, sense in enumerate(order):
                bound = solver.bound(idx, sense) + const
                lps += 1
                if sense > 0:
                    top = min(bound, cap)
                    room = np.floor(top + TOL) - v
                else:
                    low = max(bound, floor_)
                    room = v - np.ceil(low - TOL)
                if n_done == 0 and room >= MIN_VALUES - 1:
                    break
            n_values = np.floor(top + TOL) - np.ceil(low - TOL) + 1
            if n_values < MIN_VALUES:
                pinned.append((uid, float(low), float(top)))
    return pinned, lps, int(ncomp)


class _Component:
    """One connected piece of the attacker's programme in HiGHS, re-solved warm for each target's min and max."""

    def __init__(self, a: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray):
        self.n = a.shape[1]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        # Only the objective changes between solves, so the last optimal basis stays primal feasible: primal
        # simplex goes on from it, where the default dual simplex starts over (audits 8x faster on a synthetic
        # crime release, 10x on the complaints release's district-by-category tables; benchmarks/README.md).
        h.setOptionValue("simplex_strategy", int(highspy.simplex_constants.kSimplexStrategyPrimal))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, a.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = np.full(self.n, highspy.kHighsInf)
        lp.row_lower_ = np.asarray(lo, dtype=float)
        lp.row_upper_ = np.asarray(hi, dtype=float)
        csc = sp.csc_matrix(a)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        h.passModel(lp)
        self.h = h
        self.last = np.zeros(0, dtype=np.int32)

    def bound(self, idx: np.ndarray, sense: int) -> float:
        """The maximum (sense 1) or minimum (-1) of the sum of unknowns ``idx``."""
        h = self.h
        if len(self.last):
            h.changeColsCost(len(self.last), self.last, np.zeros(len(self.last)))
        cols, counts = np.unique(np.asarray(idx, dtype=np.int32), return_counts=True)
        h.changeColsCost(len(cols), cols, counts.astype(float))
        self.last = cols
        h.changeObjectiveSense(highspy.ObjSense.kMaximize if sense > 0 else highspy.ObjSense.kMinimize)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return float(h.getInfo().objective_function_value)
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return np.inf if sense > 0 else -np.inf
        raise RuntimeError(f"the audit's linear programme failed: {h.modelStatusToString(status)}")


# -- suppression -----------------------------------------------------------------------------------


def _room(vp: int, vo: int, o_primary: bool, same_side: bool, upper: int, p_labelled: bool = True) -> float:
    """How far a hidden partner lets a hidden small count move (up plus down), capped at 2.

    A labelled count ("fewer than 5") lies in 1..upper, any other hidden cell in 0..inf.
    """
    lo, hi = (1, upper) if o_primary else (0, np.inf)
    down, up = vo - lo, hi - vo
    # p up needs a same-side partner down or an opposite-side partner up; p down the reverse.
    p_up = min(upper - vp if p_labelled else np.inf, down if same_side else up)
    p_down = min(vp - 1 if p_labelled else vp, up if same_side else down)
    return float(min(MIN_VALUES - 1, p_up + p_down))


def _solve(model: Model, block: np.ndarray, small, primary, values, need, upper, hidden0) -> np.ndarray:
    """Hidden cells of one block (year) by the MILP with row generation; returns a boolean mask over uids."""
    eqs = [e for e in model.equations if block[e[0]]]
    by_cell: dict[int, list[int]] = {}
    for i, (p, kids) in enumerate(eqs):
        for c in (p, *kids):
            by_cell.setdefault(c, []).append(i)
    hidden = hidden0.copy()
    active: set[int] = set()
    for _ in range(100):
        want = {i for c in np.flatnonzero(hidden & block) for i in by_cell.get(int(c), [])}
        if want <= active:
            break
        active |= want
        cells = sorted({c for i in active for c in (eqs[i][0], *eqs[i][1])})
        pos = {c: j for j, c in enumerate(cells)}
        r, cidx, v, lb = [], [], [], []
        row = 0
        for i in sorted(active):
            parent, kids = eqs[i]
            members = (parent, *kids)
            for c in members:
                others = [o for o in members if o != c]
                if small[c]:
                    coefs = [
                        _room(
                            int(values[c]),
                            int(values[o]),
                            bool(primary[o]),
                            (o == parent) == (c == parent),
                            upper,
                            bool(primary[c]),
                        )
                        for o in others
                    ]
                    for o, w in zip(others, coefs):
                        if w > 0:
                            r.append(row), cidx.append(pos[o]), v.append(w)
                    # Never more than hiding every partner gives (the audit judges what is left).
                    lb.append(min(MIN_VALUES - 1, sum(coefs)))
                    row += 1
                    # A count the audit found pinned asks for partners that are not themselves labelled small
                    # (small counts hiding each other leave the attacker a tight box).
                    loose = [o for o, w in zip(others, coefs) if w > 0 and not primary[o]]
                    extra = min(need.get(c, 1) - 1, len(loose))
                    if extra > 0:
                        for o in loose:
                            r.append(row), cidx.append(pos[o]), v.append(1.0)
                        lb.append(extra)
                        row += 1
                else:
                    for o in others:
                        r.append(row), cidx.append(pos[o]), v.append(1.0)
                    r.append(row), cidx.append(pos[c]), v.append(-1.0)
                    lb.append(0.0)
                    row += 1
        A = sp.csr_matrix((v, (r, cidx)), shape=(row, len(cells)))
        idx = np.array(cells)
        cost = 1.0 + np.sqrt(np.maximum(values[idx], 0).astype(float))
        low = np.where(small[idx] | hidden0[idx], 1.0, 0.0)
        res = milp(
            cost,
            integrality=np.ones(len(cells)),
            bounds=Bounds(low, np.ones(len(cells))),
            constraints=LinearConstraint(A, np.array(lb), np.inf),
            options={"time_limit": MILP_SECONDS, "mip_rel_gap": 0.01, "disp": False},
        )
        if res.x is None:  # no solution in time: hide every cell of the active equations
            hidden[idx] = True
        else:
            hidden[idx] = res.x > 0.5
    return hidden


def protect(model: Model, min_count: int) -> AuditResult:
    """Primary and complementary suppression for the whole release, audited; the audit's verdict included."""
    t0 = time.perf_counter()
    values = model.values
    n = len(values)
    upper = int(min_count) - 1
    small = (values >= 1) & (values < min_count)
    hidden = small.copy()
    # A small total of three or more small parts would give them away by its own "fewer than 5" (three
    # parts of at least 1 in a total of at most 4 hold at most 2 each): it is hidden without the label.
    primary = small.copy()
    for p, kids in model.equations:
        if small[p] and small[list(kids)].sum() >= 3:
            primary[p] = False
    need: dict[int, int] = {}
    milp_s = audit_s = 0.0
    pinned: list = []
    lps = comps = 0
    rounds = 0
    for rounds in range(1, ROUNDS + 2):
        t1 = time.perf_counter()
        for y in np.unique(model.year):
            block = model.year == y
            hidden = _solve(model, block, small, primary, values, need, upper, hidden & block) | (hidden & ~block)
        milp_s += time.perf_counter() - t1
        t1 = time.perf_counter()
        # Each round only hides more cells and drops labels, so the attacker's feasible set only grows: a count
        # that kept its room keeps it, and only the counts pinned last round need checking again.
        targets = np.flatnonzero(small) if rounds == 1 else np.array(sorted({u for u, _, _ in pinned}), dtype=int)
        pinned, lps_r, comps_r = attack(model.matrix, values, hidden, primary, upper, model.transport, targets=targets)
        comps = comps if rounds > 1 else comps_r
        lps += lps_r
        audit_s += time.perf_counter() - t1
        if not pinned:
            break
        if rounds > ROUNDS:
            break
        bad = {u for u, _, _ in pinned}
        # A pinned count first loses its own label (the attacker no longer knows it is under 5) and so do the
        # labelled totals over it; one pinned without a label asks for partners that are not labelled small.
        for u in bad:
            if primary[u]:
                primary[u] = False
            else:
                need[u] = need.get(u, 1) + 1
        for p, kids in model.equations:
            if bad & set(kids) and primary[p]:
                primary[p] = False
        if rounds == ROUNDS:  # fallback: hide every partner of a count still pinned
            for p, kids in model.equations:
                if bad & {p, *kids}:
                    hidden[[p, *kids]] = True
    return AuditResult(
        passed=not pinned,
        small=int(primary.sum()),
        complementary=int((hidden & ~primary).sum()),
        unlabelled=int((small & ~primary).sum()),
        pinned=pinned,
        lps=lps,
        components=comps,
        seconds=time.perf_counter() - t0,
        rounds=rounds,
        milp_seconds=milp_s,
        audit_seconds=audit_s,
        primary=primary,
        hidden=hidden | np.zeros(n, bool),
        small_mask=small,
    )
