"""Computation graphs of a feed-forward spiking network, built from its layer equations, and their drawing.

Helper of ``fig01_03_graphs_ift`` (files starting with ``_`` are not notebooks). A layer is described by
its equations as ``{variable: [(parent, layer offset, time lag, role), ...]}``; :func:`unroll` turns them
into the graph over ``(variable, layer, t)`` that BPTT differentiates, :func:`contract` merges the time
steps of each variable into one node (the vectorised view of SLAYER and EXODUS), and :func:`loop_edges`
finds the edges that lie on a directed cycle. The graphs are plain Python; :func:`draw_unrolled` and
:func:`draw_contracted` draw them with matplotlib alone (no graphviz).
"""
from dataclasses import dataclass, field

from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

LOSS = ("L", None, None)


@dataclass
class Graph:
    nodes: list
    edges: list  # (source, target, role)
    recurrences: dict = field(default_factory=dict)  # node -> roles of self-recurrences folded into it
    lags: dict = field(default_factory=dict)  # edge -> time lag (t of target minus t of source)

    def parents(self, node):
        return [e for e in self.edges if e[1] == node]


def unroll(equations: dict, *, layers: int, T: int) -> Graph:
    """The graph over ``(variable, layer, t)`` for ``layers`` layers and ``T`` steps, plus the loss node.

    A parent in layer 0 (the network input) is a source; a parent at ``t - lag < 0`` is the zero initial
    state and gives no edge. The loss depends on the last layer's ``a`` at every step.
    """
    nodes, edges, lags = [], [], {}
    for t in range(T):
        for layer in range(1, layers + 1):
            for var, parents in equations.items():
                for parent, dl, lag, role in parents:
                    if t - lag < 0:
                        continue
                    edge = ((parent, layer + dl, t - lag), (var, layer, t), role)
                    edges.append(edge)
                    lags[edge] = lag
    for t in range(T):
        edges.append((("a", layers, t), LOSS, "loss"))
        lags[edges[-1]] = 0
    for src, dst, _ in edges:
        for node in (src, dst):
            if node not in nodes:
                nodes.append(node)
    return Graph(nodes, edges, lags=lags)


def contract(graph: Graph) -> Graph:
    """Merge the time steps of each variable: ``(var, layer, t) -> (var, layer, None)``.

    An edge between two steps of the same variable (a leak, a synaptic filter) becomes a causal
    convolution inside the node and is kept in ``recurrences``; every other edge is kept once per role.
    """
    merge = lambda n: n if n == LOSS else (n[0], n[1], None)  # noqa: E731
    nodes, edges, rec, lags = [], [], {}, {}
    for n in graph.nodes:
        if merge(n) not in nodes:
            nodes.append(merge(n))
    for src, dst, role in graph.edges:
        s, d = merge(src), merge(dst)
        if s == d:
            rec.setdefault(s, [])
            if role not in rec[s]:
                rec[s].append(role)
        elif (s, d, role) not in edges:
            edges.append((s, d, role))
            lags[(s, d, role)] = graph.lags[(src, dst, role)]
    return Graph(nodes, edges, rec, lags)


def _reachable(graph: Graph, start) -> set:
    seen, todo = set(), [start]
    while todo:
        n = todo.pop()
        for s, d, _ in graph.edges:
            if s == n and d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def loop_edges(graph: Graph) -> list:
    """Edges ``s -> d`` that lie on a directed cycle, i.e. ``s`` is reachable from ``d``."""
    return [e for e in graph.edges if e[0] in _reachable(graph, e[1])]


def feedback_edges(graph: Graph) -> list:
    """The loop edges that carry a delay: cutting them leaves a DAG whose edges all act within a step."""
    return [e for e in loop_edges(graph) if graph.lags[e] > 0]


def topological_order(graph: Graph, drop=()):
    """Kahn's algorithm on the graph without the edges ``drop``; ``None`` if a cycle remains."""
    edges = [e for e in graph.edges if e not in drop]
    indeg = {n: 0 for n in graph.nodes}
    for _, d, _ in edges:
        indeg[d] += 1
    ready = [n for n in graph.nodes if indeg[n] == 0]
    order = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for s, d, _ in edges:
            if s == n:
                indeg[d] -= 1
                if indeg[d] == 0:
                    ready.append(d)
    return order if len(order) == len(graph.nodes) else None


def label(node) -> str:
    var, layer, t = node
    if node == LOSS:
        return r"$\mathcal{L}$"
    if t is None:
        return rf"$\mathbf{{{var}}}^{{({layer})}}[.]$"
    return rf"${var}^{{({layer})}}[{t}]$"


# ---------------------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------------------
RED, BLUE, GREEN, GREY = "#D55E00", "#0072B2", "#009E73", "0.55"
ROLE_COLOR = {"reset": RED, "leak": BLUE, "synapse": BLUE}
W, H = 1.0, 0.46  # node box size in data units


class Canvas:
    """Nodes as fixed-size rounded boxes at given positions, arrows clipped at the boxes."""

    def __init__(self, ax, pos: dict, *, fontsize=8, labels=None):
        self.ax, self.pos, self.patches = ax, pos, {}
        for node, (x, y) in pos.items():
            p = FancyBboxPatch((x - W / 2, y - H / 2), W, H, boxstyle="round,pad=0,rounding_size=0.12",
                               fc="white", ec="0.25", lw=0.9, zorder=3)
            ax.add_patch(p)
            ax.text(x, y, (labels or {}).get(node, label(node)), ha="center", va="center",
                    fontsize=fontsize, zorder=4)
            self.patches[node] = p

    def arrow(self, a, b, *, color="0.2", lw=1.0, ls="-", rad=0.0, alpha=1.0, head=8, zorder=2, side=None):
        """Arrow from node ``a`` to node ``b``, centre to centre clipped at the boxes, or, with ``side``
        = +1 or -1, from the right or left edge of ``a`` to the same edge of ``b`` (bulging by ``rad``)."""
        if side is None:
            ends, clip = (self.pos[a], self.pos[b]), dict(patchA=self.patches[a], patchB=self.patches[b])
        else:
            ends = tuple((x + side * W / 2, y) for x, y in (self.pos[a], self.pos[b]))
            clip = {}
        arr = FancyArrowPatch(*ends, **clip, shrinkA=1.5, shrinkB=1.5, arrowstyle="-|>", mutation_scale=head,
                              connectionstyle=f"arc3,rad={rad}", color=color, lw=lw, ls=ls, alpha=alpha,
                              zorder=zorder)
        self.ax.add_patch(arr)
        return arr


def rows(contracted: Graph) -> dict:
    """Vertical position of each variable: its place in a topological order without the feedback edges."""
    order = topological_order(contracted, drop=feedback_edges(contracted))
    return {(n[0], n[1]): i for i, n in enumerate(order)}


def frame(ax, xlim, ylim, title):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=9.5)


def draw_unrolled(ax, graph: Graph, row: dict, *, dx=1.45, dy=0.8, title=""):
    """BPTT's graph: time to the right, layers upwards; edges coloured by role."""
    T = 1 + max(n[2] for n in graph.nodes if n != LOSS)
    pos = {n: (n[2] * dx, row[(n[0], n[1])] * dy) for n in graph.nodes if n != LOSS}
    pos[LOSS] = ((T - 1) * dx / 2, row[("L", None)] * dy)
    c = Canvas(ax, pos)
    for s, d, role in graph.edges:
        c.arrow(s, d, color=ROLE_COLOR.get(role, "0.25"), lw=1.3 if role == "reset" else 0.9,
                alpha=0.5 if role == "loss" else 1.0)
    top = row[("L", None)] * dy
    handles = [Line2D([], [], color="0.25", lw=1, label="within a step"),
               Line2D([], [], color=BLUE, lw=1, label="leak / synapse (to next step)"),
               Line2D([], [], color=RED, lw=1.3, label="reset (to next step)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.0), ncol=3, fontsize=7,
              handlelength=1.5, columnspacing=1.0)
    frame(ax, (-0.6, (T - 1) * dx + 0.6), (-0.4, top + 0.4), title)
    return c


def draw_contracted(ax, graph: Graph, row: dict, *, mode: str, dy=0.8, title=""):
    """The vectorised graph, one node per variable and layer. ``mode``: "slayer" (feedback edges dashed
    and marked as ignored) or "exodus" (feedback kept; each loop boxed as one implicit equation that the
    IFT solves, and the gradients e, d that EXODUS passes between layers named)."""
    pos = {n: (0.0, row[(n[0], n[1])] * dy) for n in graph.nodes}
    c = Canvas(ax, pos)
    feedback = feedback_edges(graph)
    for s, d, role in graph.edges:
        if (s, d, role) not in feedback:
            c.arrow(s, d, color="0.25", lw=0.9)
        elif mode == "slayer":
            c.arrow(s, d, color=GREY, ls=(0, (3, 2)), rad=-0.9, lw=1.1, side=1)
        else:
            c.arrow(s, d, color=RED, rad=-0.9, lw=1.4, side=1)
    text = {"leak": r"$\ast\,\alpha^k$ (leak)", "synapse": r"$\ast\,\epsilon$ (synapse)"}
    for node, roles in graph.recurrences.items():
        x, y = pos[node]
        ax.text(x - W / 2 - 0.1, y, ", ".join(text.get(r, r) for r in roles), ha="right", va="center",
                fontsize=7, color=BLUE)
    for s, d, role in feedback:
        (x, ys), (_, yd) = pos[s], pos[d]
        ym = (ys + yd) / 2
        if mode == "slayer":
            ax.text(x + W / 2 + 0.6, ym, f"{role}\nignored", ha="left", va="center", fontsize=7, color=GREY)
        else:
            lo, hi = min(ys, yd) - H / 2 - 0.1, max(ys, yd) + H / 2 + 0.1
            ax.add_patch(FancyBboxPatch((x - W / 2 - 0.15, lo), W + 0.65, hi - lo,
                                        boxstyle="round,pad=0,rounding_size=0.15", fc=RED, alpha=0.08,
                                        ec=RED, lw=0.8, zorder=1))
            ax.text(x + W / 2 + 0.6, ym, f"{role} loop\nsolved by\nthe IFT (eq 9)", ha="left", va="center",
                    fontsize=7, color=RED)
    if mode == "exodus":
        grads = {"a": r"$\mathbf{{e}}^{{({l})}} = \partial\mathcal{{L}}/\partial\mathbf{{a}}^{{({l})}}$",
                 "z": r"$\mathbf{{d}}^{{({l})}} = \partial\mathcal{{L}}/\partial\mathbf{{z}}^{{({l})}}$"}
        for (var, layer, _), (x, y) in pos.items():
            if var in grads and layer:
                ax.text(x + W / 2 + 0.1, y, grads[var].format(l=layer), ha="left", va="center", fontsize=7,
                        color=GREEN)
    top = max(y for _, y in pos.values())
    frame(ax, (-1.9, 2.1), (-0.4, top + 0.4), title)
    return c
