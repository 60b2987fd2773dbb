# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fig 2 — flossing improves the conditioning of the long-term Jacobian
#
# *Gradient flossing* (Engelken, NeurIPS 2023), Fig 2A–C.
#
# An error signal sent back over $t-\tau$ steps is multiplied by the long-term Jacobian
# $\mathbf T_t(\mathbf h_\tau) = \mathbf D_{t-1}\cdots\mathbf D_\tau$. Its size is set by the leading
# Lyapunov exponent, but whether *several independent* error directions survive the trip is set by the
# condition number $\kappa_2 = \sigma_\max/\sigma_\min$ of $\mathbf T_t$ restricted to $m$ tangent
# directions, $\kappa_2(\mathbf T_t\mathbf Q)$ with $\mathbf Q$ an $N\times m$ orthonormal basis.
# Eq. 10 of the paper predicts it from the spectrum alone: $\kappa_2 \approx e^{(\lambda_1-\lambda_m)(t-\tau)}$.
# So a product of Jacobians becomes ill-conditioned exponentially fast unless the first $m$ exponents are
# close together, which is what flossing arranges for $m \le k$. The product is far beyond float64
# (which keeps about 16 decades), so $\kappa_2$ is measured in 256-bit arithmetic
# ({func}`stablegrad.tangent.condition_numbers`) and compared with eq. 10
# ({func}`stablegrad.tangent.lyapunov_condition_number`) evaluated on exponents from the same trajectory.
#
# * **A** — $\kappa_2$ against the horizon $t-\tau$, at initialisation and after flossing $k$ exponents;
# * **B** — $\kappa_2$ against the number of tangent directions $m$ at one fixed horizon;
# * **C** — measured against predicted $\kappa_2$, for networks flossed with different $k$.
#
# Networks follow eq. 9 with $g = 1$, $W_{ij}\sim\mathcal N(0, g^2/N)$, no bias, and are driven by the
# input stream of the continuous temporal XOR task of Fig 3D ($x_s\sim U[0,1)$ i.i.d., batch size 1).
#
# **Choices the paper leaves open.** Flossing uses Adam with its default rate $10^{-3}$ and the window of
# the authors' code (55 steps, the first 16 not accumulated), a fresh input stream and tangent basis per
# epoch, for $E_f$ epochs, as in Fig 1. The paper does not say how many tangent directions panel A uses;
# we take $m = k$, the directions that flossing acts on, which also keeps the paper's whole horizon range
# inside what 256 bits can resolve. After flossing, each network runs from $\mathbf h = 0$ for `settle`
# steps; eq. 10 uses the spectrum of the rest of that trajectory, and the simulation starts from
# `initial_times` points $\tau$ on it, each with its own random orthonormal basis (nested: $m$ directions
# are its first $m$ columns).
#
# **What 256 bits can resolve.** A product of Jacobians keeps information about $\sigma_\min$ only while
# $\kappa_2 < 2^{256} \approx 10^{77}$. For the full Jacobian ($m = N = 80$) an initial network passes
# that limit within a few dozen steps (printed below the figure), so the horizons and $m$ on this page
# are chosen to stay inside it: panel A runs over the paper's $T = 500$ steps at $m = k$, panel B at a
# shorter horizon $t_B$, and any point whose eq.-10 value is within 24 bits of $2^{256}$ is not simulated
# (a measured value at or above $2^{256}$ would be dropped as well). Those points are shown by eq. 10
# only, and the notebook prints which they are. The horizon of panel B, $t_B = 200$ at the `book` scale,
# was picked after a first look at the exponents, as a long horizon at which the simulation still
# resolves $m$ up to about 40; the table at the end
# shows how the panel-B comparison depends on that horizon.

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"

# %%
import numpy as np
import matplotlib.pyplot as plt

from stablegrad import claims, plotting
from stablegrad.experiments import gradient_flossing as gf
from stablegrad.tangent import lyapunov_condition_number

plotting.use_style()
cfg = gf.FIG02[scale]
result = gf.fig02(scale, seed=seed, device=device)
print(cfg)

conditions = list(result["conditions"])  # 0 = at initialisation, k = after flossing k exponents
before, after = conditions.index(0), conditions.index(cfg.k)
hA, hB, ms = result["horizons_A"].numpy(), result["horizons_B"].numpy(), result["ms"].numpy()
kA, tA = result["kappa_A"].numpy(), result["theory_A"].numpy()  # (condition, network, [tau,] horizon)
kB, tB = result["kappa_B"].numpy(), result["theory_B"].numpy()  # (condition, network, m, horizon)
lam = result["exponents"]  # (condition, network, N), sorted
LIMIT = 2.0 ** cfg.bits

# %% tags=["hide-input", "remove-output"]
colors = {before: plotting.PALETTE[0], after: plotting.PALETTE[1]}
names = {before: "initialisation", after: f"after flossing k = {cfg.k}"}
fig, axes = plotting.figure(3, width=3.2, height=2.9)
ax_a, ax_b, ax_c = axes[0]

for c in (before, after):
    for r in range(cfg.networks):
        ax_a.plot(hA, kA[c, r].T, color=colors[c], alpha=0.35, lw=0.8)
        ax_a.plot(hA, tA[c, r], color=colors[c], ls="--", lw=1.6)
    ax_a.plot([], [], color=colors[c], label=names[c])
ax_a.plot([], [], color="0.4", alpha=0.5, label=f"simulation ({cfg.bits} bit)")
ax_a.plot([], [], color="0.4", ls="--", label="eq. 10")
ax_a.set_yscale("log")
ax_a.set_xlabel(r"horizon $t-\tau$ (steps)")
ax_a.set_ylabel(r"$\kappa_2(\mathbf{T}_t\mathbf{Q})$")
ax_a.set_title(f"m = {cfg.m_A} tangent directions")
ax_a.legend(loc="upper left", fontsize=7)
plotting.panel_label(ax_a, "A")

every_m = np.arange(1, cfg.N + 1)
for c in (before, after):
    for r in range(cfg.networks):
        line = [lyapunov_condition_number(lam[c, r], [cfg.t_B], int(m)).item() for m in every_m]
        ax_b.plot(every_m, line, color=colors[c], ls="--", lw=1.2)
        ax_b.plot(ms, kB[c, r, :, -1], "o", color=colors[c], ms=3.5, alpha=0.8)
    ax_b.plot([], [], "o", color=colors[c], label=names[c])
ax_b.axhline(cfg.guide, color="0.5", ls=":", lw=1.2, label=rf"$\kappa_2 = 10^{{{np.log10(cfg.guide):.0f}}}$")
top = min(LIMIT * 1e8, 1e3 * max(np.nanmax(kB[[before, after], :, :, -1]), tB[[before, after], :, :, -1].max()))
if LIMIT < top:
    ax_b.axhline(LIMIT, color="k", lw=0.6)
    ax_b.text(1, LIMIT, f"$2^{{{cfg.bits}}}$ (simulation limit)", ha="left", va="bottom", fontsize=7)
ax_b.set_yscale("log")
ax_b.set_ylim(0.5, top)
ax_b.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax_b.set_xlabel("tangent directions m")
ax_b.set_ylabel(rf"$\kappa_2$ at $t-\tau = {cfg.t_B}$ steps")
ax_b.set_title("dots: simulation, dashed: eq. 10")
ax_b.legend(loc="center left", fontsize=7)
if cfg.N >= 4 * cfg.k:  # zoom on the guide crossing at small m, where the lower right is empty
    zoom = ax_b.inset_axes([0.6, 0.1, 0.37, 0.36])
    small = ms <= 2 * cfg.k
    for c in (before, after):
        for r in range(cfg.networks):
            zoom.plot(ms[small], kB[c, r, small, -1], "o-", color=colors[c], ms=2.5, lw=0.6)
    zoom.axhline(cfg.guide, color="0.5", ls=":", lw=1.2)
    zoom.set_yscale("log")
    zoom.set_ylim(0.5, cfg.guide ** 2)
    zoom.tick_params(labelsize=6)
    zoom.xaxis.set_major_locator(plt.MaxNLocator(nbins=4, integer=True))
plotting.panel_label(ax_b, "B")

cmap = plt.get_cmap("viridis")
for c, k in enumerate(conditions):
    pick = (ms >= 2)[None, :, None] & np.isfinite(kB[c])
    color = cmap(c / max(1, len(conditions) - 1))
    ax_c.scatter(tB[c][pick], kB[c][pick], s=9, color=color, alpha=0.75, lw=0,
                 label="k = 0 (initial)" if k == 0 else f"k = {k}")
ends = [0.5, 10 * np.nanmax(kB[:, :, ms >= 2])]
ax_c.plot(ends, ends, color="k", lw=0.8)
ax_c.set_xscale("log")
ax_c.set_yscale("log")
ax_c.set_xlim(*ends)
ax_c.set_ylim(*ends)
ax_c.set_xlabel(r"$\kappa_2$ from eq. 10")
ax_c.set_ylabel(rf"$\kappa_2$ simulated ({cfg.bits} bit)")
ax_c.set_title(rf"m = 2–{cfg.N}, $t-\tau \leq {cfg.t_B}$")
ax_c.legend(fontsize=7, loc="upper left")
plotting.panel_label(ax_c, "C")
fig.suptitle(f"N = {cfg.N}, g = {cfg.g}, x ~ U[0, 1), {cfg.networks} network(s), E_f = {cfg.epochs} "
             f"epochs [scale: {scale}]")
plotting.show(fig, "gf-fig02")

# %% [markdown]
# ```{glue:figure} gf-fig02
# :name: gf-fig02
#
# **Fig 2A–C (reproduced at the scale shown in the title).** A: $\kappa_2$ of the long-term Jacobian
# applied to $m$ random orthonormal directions, against the horizon, for the initial network (blue) and
# the same network after flossing its first $k$ exponents (orange); thin lines are 256-bit simulations
# from different initial times $\tau$, dashed lines eq. 10. B: $\kappa_2$ at a fixed horizon against $m$;
# dots are simulations from the first initial time, dashed lines eq. 10 for every $m$; the grey dotted
# line marks $\kappa_2 = 10^5$, the black line $2^{256}$, the largest value 256 bits can resolve. Missing
# dots are points beyond that range; the inset (at `book` and `paper` scale) repeats the simulated points
# for $m \le 2k$ around the guide. C: every simulated point of the panel-B sweep ($m \ge 2$, horizons
# up to $t_B$, all networks) against eq. 10, coloured by the number of flossed exponents $k$; the black
# line is equality.
# ```

# %%
out_of_range_A = {names[c]: hA[np.isnan(kA[c]).any(axis=(0, 1))].tolist() for c in (before, after)}
simulated_B = {names[c]: ms[np.isfinite(kB[c, :, :, -1]).all(axis=0)].tolist() for c in (before, after)}
print("panel A, horizons with a point out of range:", out_of_range_A)
print(f"panel B, m simulated at t - tau = {cfg.t_B}:", simulated_B)
reach = {names[c]: round(float(cfg.bits * np.log(2) / (lam[c, :, 0] - lam[c, :, -1]).mean())) for c in (before, after)}
print(f"m = N = {cfg.N}: eq. 10 reaches 2^{cfg.bits} after this many steps:", reach)
print("flossed exponents after flossing (mean over networks):",
      np.round(lam[after, :, : cfg.k].mean(0).numpy(), 3))

# %% [markdown]
# ## Paper vs this book
#
# The paper quotes no numbers for this figure; it states four qualitative results. Criteria, fixed
# before looking at the numbers:
#
# * **A, exponential growth.** For each network at initialisation, take the median over initial times
#   of $\log_{10}\kappa_2$ at $m = m_A$ and fit a straight line against the horizon over the simulated
#   horizons $\ge 10$. *Reproduced* if every slope is positive with $R^2 \ge 0.95$; *partly* if the
#   slopes are positive but a fit is worse.
# * **A, flossing lowers $\kappa_2$ by a factor that grows with the horizon.** With $\rho(t)$ the ratio
#   of the median (over networks and initial times) measured $\kappa_2$ before and after flossing at
#   $m = m_A$: *reproduced* if $\rho > 1$ at every horizon $\ge 10$ simulated for both and $\rho$ at the
#   longest such horizon is at least ten times $\rho$ at the shortest; *partly* if $\rho > 1$ at the
#   longest horizon only.
# * **A–C, eq. 10 matches the simulation.** Over every simulated point of panel C with horizon $\ge 10$
#   (all $k$, networks and $m \ge 2$), let $\delta$ be the median of
#   $|\log_{10}\kappa_\mathrm{sim} - \log_{10}\kappa_\mathrm{eq. 10}|$ and $S$ the span of
#   $\log_{10}\kappa_\mathrm{eq. 10}$ over the same points. *Reproduced* if $\delta \le 0.1\,S$,
#   *partly* if $\delta \le 0.25\,S$.
# * **B, more usable directions.** At the horizon $t_B$, the number of usable directions is the largest
#   simulated $m$ with $\kappa_2 \le 10^5$ (nested bases make $\kappa_2$ non-decreasing in $m$), median
#   over networks. *Reproduced* if it is larger after flossing than before, *partly* if equal.

# %% tags=["hide-input"]
card = claims.Scorecard("gradient_flossing/fig02_condition_number", scale)

# A: exponential growth at initialisation
use = hA >= 10
fits = []
for r in range(cfg.networks):
    y = np.log10(np.median(kA[before, r], axis=0))
    keep = use & np.isfinite(y)
    slope, intercept = np.polyfit(hA[keep], y[keep], 1)
    residual = y[keep] - (slope * hA[keep] + intercept)
    fits.append((slope, 1 - residual.var() / y[keep].var()))
slopes, r2 = np.array(fits).T
theory_slope = float((lam[before, :, 0] - lam[before, :, cfg.m_A - 1]).mean() / np.log(10))
print(f"A: slopes {np.round(slopes, 4)} decades/step (eq. 10: {theory_slope:.4f}), R^2 {np.round(r2, 4)}")
card.record(
    "2A", f"κ2 of the long-term Jacobian (m = {cfg.m_A}) grows exponentially with the horizon at initialisation",
    paper="exponential divergence with the number of steps (no rate given)",
    ours=f"log10 κ2 linear in t − τ over {int(hA[use].min())}–{int(hA[use].max())} steps: slope "
         f"{np.median(slopes):.3f} decades/step (eq. 10: {theory_slope:.3f}), R² ≥ {r2.min():.3f}",
    verdict=claims.verdict((slopes > 0).all() and (r2 >= 0.95).all(), partly=(slopes > 0).all()),
)

# A: flossing lowers kappa by a factor that grows with the horizon
median_A = {c: np.median(kA[c].reshape(-1, len(hA)), axis=0) for c in (before, after)}
both = use & np.isfinite(median_A[before]) & np.isfinite(median_A[after])
rho = median_A[before][both] / median_A[after][both]
h_rho = hA[both]
print("A: kappa ratio before/after flossing:",
      {int(h): f"{v:.3g}" for h, v in zip(h_rho[:: max(1, len(h_rho) // 6)], rho[:: max(1, len(rho) // 6)])})
card.record(
    "2A", f"flossing {cfg.k} exponents lowers κ2 (m = {cfg.m_A}) by a factor that grows with the horizon",
    paper="reduction by a factor growing exponentially with time",
    ours=f"ratio {rho[0]:.3g} at t − τ = {int(h_rho[0])}, {rho[-1]:.3g} at {int(h_rho[-1])}; "
         f"> 1 at {int((rho > 1).sum())}/{len(rho)} horizons",
    verdict=claims.verdict((rho > 1).all() and rho[-1] >= 10 * rho[0], partly=rho[-1] > 1),
)

# A-C: eq. 10 against the simulation
pick = (ms >= 2)[None, None, :, None] & (hB >= 10)[None, None, None, :] & np.isfinite(kB)
sim, est = np.log10(kB[pick]), np.log10(tB[pick])
delta, span = float(np.median(np.abs(sim - est))), float(est.max() - est.min())
bias = float(np.median(sim - est))
simulated = float(np.isfinite(kB[:, :, ms >= 2]).mean())
print(f"C: {pick.sum()} points, median |Δlog10| = {delta:.3f}, median Δlog10 = {bias:+.3f}, span {span:.1f} "
      f"decades; {100 * simulated:.0f}% of the sweep within the {cfg.bits}-bit range")
card.record(
    "2A–C", f"eq. 10 (from Lyapunov exponents) matches κ2 measured with {cfg.bits}-bit arithmetic",
    paper="good match (Fig 2A, C); no number given",
    ours=f"median |Δlog10 κ2| = {delta:.2f} decades over {pick.sum()} points spanning {span:.0f} decades "
         f"({100 * delta / span:.1f} %); simulation higher by a median {bias:.2f} decades",
    verdict=claims.verdict(delta <= 0.1 * span, partly=delta <= 0.25 * span),
    note=f"k ∈ {{0, {', '.join(map(str, cfg.ks))}}}, horizons 10–{cfg.t_B}",
)

# B: usable directions below the guide
def usable(c):
    below = np.nan_to_num(kB[c, :, :, -1], nan=np.inf) <= cfg.guide  # (network, m)
    return np.array([ms[row].max() for row in below])

n_before, n_after = np.median(usable(before)), np.median(usable(after))
print(f"B: directions with κ2 ≤ {cfg.guide:g} at t − τ = {cfg.t_B}: before {usable(before)}, after {usable(after)}")
card.record(
    "2B", f"flossing {cfg.k} exponents raises the number of directions m with κ2 ≤ {cfg.guide:.0e} "
          f"(t − τ = {cfg.t_B})",
    paper="more tangent directions available after flossing",
    ours=f"{n_before:g} before, {n_after:g} after flossing (simulated m grid, median over networks)",
    verdict=claims.verdict(n_after > n_before, partly=n_after == n_before),
    note="" if scale == "smoke" else f"t_B = {cfg.t_B}, chosen after a first look at the book-scale exponents",
)
card

# %% [markdown]
# ## How the panel-B comparison depends on the horizon
#
# Eq. 10 gives the number of directions below the guide at every horizon directly from the exponents:
# $\#\{m : (\lambda_1-\lambda_m)(t-\tau) \le \ln 10^5\}$. Flossing raises $\lambda_1$ to about zero as
# well as the other flossed exponents, so at short horizons, where the unflossed initial spectrum's top
# is still within reach, the initial network can have *more* such directions; the gain from flossing
# appears at long horizons, where only directions with nearly equal exponents stay usable.

# %%
def usable_eq10(c, h):
    """Directions m with eq.-10 κ2 ≤ guide at horizon h, median over networks."""
    return int(np.median([sum(lyapunov_condition_number(lam[c, r], [h], m).item() <= cfg.guide
                              for m in range(1, cfg.N + 1)) for r in range(cfg.networks)]))


print(f"directions with κ2 ≤ {cfg.guide:g} by eq. 10 (median over networks)")
print(f"{'t - tau':>8} {'initial':>8} {'flossed':>8}")
for h in sorted({h for h in (10, 25, 50, 100, cfg.t_B, 300, 500) if h <= cfg.horizon}):
    print(f"{h:>8} {usable_eq10(before, h):>8} {usable_eq10(after, h):>8}")

# %% [markdown]
# ## Reading the results
#
# *Eq. 10 versus the simulation.* The measured $\kappa_2$ grows at the rate $\lambda_1-\lambda_m$ that
# eq. 10 predicts (compare the fitted slope with the eq.-10 slope in the claims), but it lies above eq. 10
# by a fairly steady offset, about one decade at the `book` scale (the median is printed with the
# claims). Eq. 10 keeps only the exponential rate; a finite product applied to random directions also
# carries a prefactor from how those directions project onto the singular directions, which eq. 10 does
# not try to capture. Against values spanning dozens of decades that offset is small, which is why
# panel C hugs the diagonal.
#
# *Short horizons.* Flossing controls the asymptotic growth rates. Over the first few dozen steps the
# flossed network's $\kappa_2$ is not lower than the initial one's, and at the `book` scale it is higher
# at $t-\tau = 20$ (the ratio printed for panel A is below one there), which is why that claim is only
# *partly* reproduced by the criterion fixed above; from there on the ratio grows exponentially, as the
# paper says. The same asymptotic-versus-transient point decides panel B: the table above shows that
# flossing only adds usable directions beyond a horizon of roughly a hundred steps at this scale, because
# flossing also lifts $\lambda_1$ itself to zero.
#
# *Scales.* `smoke` ($N = 12$, 30 flossing epochs with a larger rate) only checks that eq. 10 matches the
# simulation; its flossing is too short to move the exponents far. `book` uses the paper's $N = 80$, $g$,
# $E_f$ and $T$, with one network and four initial times; `paper` adds networks, initial times, a finer
# $m$ grid and $k$ up to $N$ for panel C.
