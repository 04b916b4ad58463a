"""Draw atdesk's import graph against its layer contract, so the picture in the docs is the code's.

The layers come from the import-linter contract with id "layers" in `[tool.importlinter]`
(pyproject.toml): a list of strings from the top layer to the bottom, where "a | b" are
independent siblings, "a : b" share a layer and may import each other, and "(x)" may not exist yet.
Every import statement of an atdesk module counts: module level, inside functions and under
TYPE_CHECKING, as import-linter counts them. Only directories with an `__init__.py` are walked
(the migration scripts are not modules), and imports of the bare root package are left out.

    python scripts/import_graph.py                   # edge list: pkg -> pkg (n imports)
    python scripts/import_graph.py --check           # exit 1 listing each import against the layers
    python scripts/import_graph.py --svg docs/import-graph.svg --markdown docs/architecture.md
    python scripts/import_graph.py --expand automations --svg /tmp/automations.svg
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

REPO = Path(__file__).resolve().parents[1]
ROOT_PACKAGE = "atdesk"
LAYERS_CONTRACT = "layers"
START = "<!-- import-graph:start -->"
END = "<!-- import-graph:end -->"


# --- collecting imports -------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ImportSite:
    """One import statement naming a package module: the place a layer violation is fixed."""

    importer: str
    line: int
    imported: str


def discover_modules(package_dir: Path, package: str) -> dict[str, Path]:
    """Map each importable module of the package to its file (not in folders without __init__)."""
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir)
        folders = relative.parents
        if not all((package_dir / folder / "__init__.py").is_file() for folder in folders):
            continue
        parts = [package, *relative.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def absolute_base(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Resolve `from ..x import y` in `module` to the absolute module `..x` names."""
    if level == 0:
        return target or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    kept = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*kept, target] if target else kept)


def within(module: str, package: str) -> bool:
    """Whether a dotted name is the package or inside it."""
    return module == package or module.startswith(package + ".")


def imports_in(
    tree: ast.AST, module: str, is_package: bool, package: str, known: set[str]
) -> Iterator[ImportSite]:
    """Yield each import of a package module anywhere in one parsed file (functions included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if within(alias.name, package):
                    yield ImportSite(module, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(module, is_package, node.level, node.module)
            if not within(base, package):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                # `from atdesk.cases import service` names the module atdesk.cases.service.
                imported = candidate if candidate in known else base
                yield ImportSite(module, node.lineno, imported)


def collect_imports(src_dir: Path, package: str = ROOT_PACKAGE) -> list[ImportSite]:
    """Every import of a package module in the package under src_dir, sorted and de-duplicated."""
    modules = discover_modules(src_dir / package, package)
    known = set(modules)
    sites: set[ImportSite] = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        sites.update(imports_in(tree, module, is_package, package, known))
    return sorted(sites)


def node_of(module: str, package: str, expand: frozenset[str]) -> str | None:
    """The box a module belongs to: its top-level package, or a sub-package of an expanded one."""
    parts = module.split(".")
    if parts[0] != package or len(parts) == 1:
        return None
    if parts[1] in expand and len(parts) > 2:
        return f"{parts[1]}.{parts[2]}"
    return parts[1]


def all_nodes(src_dir: Path, package: str, expand: frozenset[str]) -> set[str]:
    """Every box to draw, also those nothing imports and that import nothing."""
    modules = discover_modules(src_dir / package, package)
    return {node for module in modules if (node := node_of(module, package, expand)) is not None}


# --- the layer contract -------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One string of a layers contract: its names, which are optional, whether they are siblings."""

    number: int
    names: tuple[str, ...]
    optional: frozenset[str]
    independent: bool

    @property
    def separator(self) -> str:
        """How the contract writes this layer's names apart."""
        return " | " if self.independent else " : "


def parse_layer(number: int, text: str) -> Layer:
    """Read "a | (b)" or "a : b" the way import-linter does."""
    independent = "|" in text
    if independent and ":" in text:
        raise ValueError(f"layer {text!r} mixes '|' and ':'")
    names: list[str] = []
    optional: set[str] = set()
    for part in text.split("|" if independent else ":"):
        name = part.strip()
        if bracketed := re.fullmatch(r"\((.+)\)", name):
            name = bracketed.group(1).strip()
            optional.add(name)
        names.append(name)
    return Layer(number, tuple(names), frozenset(optional), independent)


@dataclass(frozen=True)
class Contract:
    """A layers contract for one container: the top layer first."""

    container: str
    layers: tuple[Layer, ...]
    exhaustive: bool

    def layer_of(self, name: str) -> Layer | None:
        """The layer that lists a name directly inside the container."""
        return next((layer for layer in self.layers if name in layer.names), None)


def read_contracts(config: Path, package: str) -> tuple[Contract, dict[str, Contract]]:
    """The root "layers" contract and the layers contracts of sub-packages, by sub-package."""
    with config.open("rb") as handle:
        settings = tomllib.load(handle)
    entries = settings.get("tool", {}).get("importlinter", {}).get("contracts", [])
    root: Contract | None = None
    inner: dict[str, Contract] = {}
    for entry in entries:
        if entry.get("type") != "layers" or len(entry.get("containers", [])) != 1:
            continue
        container = entry["containers"][0]
        layers = tuple(parse_layer(n, text) for n, text in enumerate(entry["layers"], start=1))
        contract = Contract(container, layers, bool(entry.get("exhaustive", False)))
        if entry.get("id") == LAYERS_CONTRACT and container == package:
            root = contract
        elif container.startswith(package + ".") and container.count(".") == 1:
            inner[container.split(".", 1)[1]] = contract
    if root is None:
        raise SystemExit(f"{config}: no layers contract with id {LAYERS_CONTRACT!r} for {package}")
    return root, inner


# --- edges and their direction ------------------------------------------------------------------


class Direction(Enum):
    """How an edge runs against the layers; only DOWN and SAME are allowed."""

    DOWN = "down"
    SAME = "same"
    UP = "upward"
    SIBLING = "between independent siblings"
    UNLAYERED = "not in the contract"

    @property
    def violates(self) -> bool:
        """Whether import-linter would fail this edge."""
        return self in (Direction.UP, Direction.SIBLING)


@dataclass(frozen=True)
class Layering:
    """The contracts seen from the boxes: where each box sits and which way an edge runs."""

    root: Contract
    inner: dict[str, Contract]

    def rank(self, node: str) -> tuple[Layer | None, Layer | None]:
        """The box's layer in the root contract and, for an expanded sub-package, its inner one."""
        top, _, sub = node.partition(".")
        inner = self.inner.get(top)
        return self.root.layer_of(top), (inner.layer_of(sub) if inner and sub else None)

    def direction(self, source: str, target: str) -> Direction:
        """Which way `source imports target` runs: up means a lower layer imports a higher one."""
        (outer_s, inner_s), (outer_t, inner_t) = self.rank(source), self.rank(target)
        if outer_s is None or outer_t is None:
            return Direction.UNLAYERED
        if source.partition(".")[0] != target.partition(".")[0]:
            return compare(outer_s, outer_t)
        if inner_s is None or inner_t is None or source == target:
            return Direction.SAME
        return compare(inner_s, inner_t)


def compare(source: Layer, target: Layer) -> Direction:
    """Direction between two distinct names by their layers (number 1 is the top)."""
    if source.number < target.number:
        return Direction.DOWN
    if source.number > target.number:
        return Direction.UP
    return Direction.SIBLING if source.independent else Direction.SAME


@dataclass
class Edge:
    """All imports from one box to another, with the statements behind them."""

    source: str
    target: str
    direction: Direction
    sites: list[ImportSite] = field(default_factory=list)


def build_edges(
    sites: Iterable[ImportSite], package: str, expand: frozenset[str], layering: Layering
) -> list[Edge]:
    """Aggregate import statements to box-to-box edges; imports inside one box are not edges."""
    edges: dict[tuple[str, str], Edge] = {}
    for site in sites:
        source = node_of(site.importer, package, expand)
        target = node_of(site.imported, package, expand)
        if source is None or target is None or source == target:
            continue
        if (source, target) not in edges:
            edges[source, target] = Edge(source, target, layering.direction(source, target))
        edges[source, target].sites.append(site)
    return sorted(edges.values(), key=lambda edge: (edge.source, edge.target))


@dataclass(frozen=True)
class Graph:
    """Boxes, edges and the contracts they are measured against: what every output reads."""

    nodes: frozenset[str]
    edges: list[Edge]
    layering: Layering

    @property
    def violations(self) -> list[Edge]:
        """Edges import-linter would fail."""
        return [edge for edge in self.edges if edge.direction.violates]

    @property
    def unlayered(self) -> list[str]:
        """Boxes whose top-level package the root contract does not list."""
        return sorted(node for node in self.nodes if self.layering.rank(node)[0] is None)


def load_graph(src_dir: Path, config: Path, package: str, expand: frozenset[str]) -> Graph:
    """Read the code and the contract into one graph."""
    root, inner = read_contracts(config, package)
    layering = Layering(root, inner)
    edges = build_edges(collect_imports(src_dir, package), package, expand, layering)
    return Graph(frozenset(all_nodes(src_dir, package, expand)), edges, layering)


# --- text outputs -------------------------------------------------------------------------------


def edge_list(graph: Graph) -> str:
    """`pkg -> pkg (n imports)`, one edge a line, violations marked at the end of theirs."""
    lines = []
    for edge in graph.edges:
        mark = f"  [{edge.direction.value}]" if edge.direction.violates else ""
        lines.append(f"{edge.source} -> {edge.target} ({len(edge.sites)} imports){mark}")
    return "\n".join(lines)


def check_report(graph: Graph) -> tuple[str, bool]:
    """Each import against the layers as `importer_module:line -> imported_module`; and if any."""
    lines: list[str] = []
    for edge in graph.violations:
        lines.append(f"# {edge.source} -> {edge.target}: {edge.direction.value}")
        lines.extend(f"{s.importer}:{s.line} -> {s.imported}" for s in edge.sites)
    failed = bool(lines)
    if graph.unlayered and graph.layering.root.exhaustive:
        lines.append(f"# not in the layer contract: {', '.join(graph.unlayered)}")
        failed = True
    count = sum(len(edge.sites) for edge in graph.violations)
    lines.append(f"# {count} imports in {len(graph.violations)} edges break the layers")
    return "\n".join(lines), failed


def layer_table(graph: Graph) -> str:
    """A markdown table of the layers with the packages that exist and those still to come."""
    tops = {node.partition(".")[0] for node in graph.nodes}
    rows = ["| Layer | Packages |", "|---:|---|"]
    for layer in graph.layering.root.layers:
        present = [name for name in layer.names if name in tops]
        separator = layer.separator.replace("|", "\\|")  # a bare | would end the cell
        cell = separator.join(f"`{name}`" for name in present)
        missing = [name for name in layer.names if name not in tops]
        if missing:
            cell += f"{' ' if cell else ''}(not yet: {', '.join(missing)})"
        rows.append(f"| {layer.number} | {cell} |")
    if graph.unlayered:
        rows.append(f"| – | not in the contract: {', '.join(graph.unlayered)} |")
    return "\n".join(rows)


def markdown_section(graph: Graph, image: str) -> str:
    """What goes between the markers: the picture, what red means, the layer table."""
    ups = graph.violations
    imports = sum(len(edge.sites) for edge in ups)
    return "\n".join(
        [
            START,
            f"![atdesk import graph: layers top to bottom, imports against them in red]({image})",
            "",
            "Generated from the code by `python scripts/import_graph.py --svg ... --markdown ...`;"
            f" layers from the import-linter contract `{LAYERS_CONTRACT}` (1 = top). "
            f"{len(ups)} package edges ({imports} imports) run against the layers;"
            " `python scripts/import_graph.py --check` lists them.",
            "",
            layer_table(graph),
            END,
        ]
    )


def replace_section(text: str, section: str) -> str:
    """Swap what lies between the markers (markers included) for a fresh section."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"markers {START} ... {END} not found in order")
    return text[:start] + section + text[end + len(END) :]


# --- the picture --------------------------------------------------------------------------------

WIDTH = 1000
LEFT = 56  # room for the layer numbers
RIGHT = 16
BOX_HEIGHT = 24
ROW_GAP = 14
BAND_PAD = 20
CHAR_WIDTH = 7.4  # 13px sans-serif, a generous average
BOX_GAP = 18
ZIGZAG = 130  # how far lone boxes of consecutive bands step aside, so chains do not overlap
GREY = "#8a94a6"
RED = "#d62728"
LEGEND_COLUMNS = 3


@dataclass
class Box:
    """A package's rectangle in the picture."""

    name: str
    x: float
    y: float
    width: float
    band: int

    @property
    def centre(self) -> float:
        """Horizontal middle, where the ports spread from."""
        return self.x + self.width / 2


@dataclass(frozen=True)
class Band:
    """One layer's horizontal stripe and the boxes in it, row by row."""

    label: str
    title: str
    nodes: list[str]


def box_width(name: str) -> float:
    """Wide enough for the label."""
    return len(name) * CHAR_WIDTH + 18


def bands_of(graph: Graph) -> list[Band]:
    """The layers that have boxes, top first; unlisted packages in a last band of their own."""
    bands: list[Band] = []
    for layer in graph.layering.root.layers:
        nodes = [node for node in graph.nodes if graph.layering.rank(node)[0] == layer]
        if nodes:
            bands.append(Band(str(layer.number), layer.separator.join(layer.names), nodes))
    if graph.unlayered:
        bands.append(Band("?", "not in the contract", graph.unlayered))
    return bands


def order_bands(graph: Graph, bands: list[Band], sweeps: int = 6) -> list[list[str]]:
    """Order each band's boxes by the mean position of their neighbours, to uncross the arrows."""
    orders = [sorted(band.nodes, key=lambda n: sort_key(graph, n)) for band in bands]
    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    position = {n: (i + 0.5) / len(order) for order in orders for i, n in enumerate(order)}
    for _ in range(sweeps):
        for k, order in enumerate(orders):
            centre = {n: barycentre(n, neighbours[n], position) for n in order}
            orders[k] = sorted(order, key=lambda n: (group_of(graph, n), centre[n]))
            position.update({n: (i + 0.5) / len(order) for i, n in enumerate(orders[k])})
    return orders


def barycentre(node: str, neighbours: list[str], position: dict[str, float]) -> float:
    """Mean position of a box's neighbours in their bands; its own when it has none."""
    near = [position[n] for n in neighbours if n in position]
    return sum(near) / len(near) if near else position[node]


def sort_key(graph: Graph, node: str) -> tuple[tuple[str, int], str]:
    """The box's row group first, then its name."""
    return group_of(graph, node), node


def group_of(graph: Graph, node: str) -> tuple[str, int]:
    """Boxes that share rows: whole packages together, then each expanded package's sub-packages
    by their inner layer (those outside the inner contract first)."""
    top, dot, _ = node.partition(".")
    inner = graph.layering.rank(node)[1]
    return (top if dot else "", inner.number if inner else 0)


def rows_of(order: list[str], usable: float) -> list[list[str]]:
    """Split a band's boxes into rows that fit the picture's width."""
    rows: list[list[str]] = [[]]
    used = 0.0
    for node in order:
        width = box_width(node) + BOX_GAP
        if rows[-1] and used + width > usable:
            rows.append([])
            used = 0.0
        rows[-1].append(node)
        used += width
    return rows


@dataclass
class Layout:
    """Where every box and band sits."""

    boxes: dict[str, Box]
    bands: list[tuple[Band, float, float]]  # band, top, bottom
    height: float


def lay_out(graph: Graph, top: float) -> Layout:
    """Stack the bands from `top` down and spread each row's boxes across the width."""
    bands = bands_of(graph)
    usable = WIDTH - LEFT - RIGHT
    boxes: dict[str, Box] = {}
    placed: list[tuple[Band, float, float]] = []
    y = top
    lone = 0
    for number, (band, order) in enumerate(zip(bands, order_bands(graph, bands), strict=True)):
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for node in order:
            groups[group_of(graph, node)].append(node)
        rows = [row for group in groups.values() for row in rows_of(group, usable)]
        band_top = y
        y += BAND_PAD
        for row in rows:
            if len(row) == 1:
                width = box_width(row[0])
                step = ZIGZAG * (-1 if lone % 2 == 0 else 1)
                lone += 1
                x = LEFT + (usable - width) / 2 + step
                boxes[row[0]] = Box(row[0], x, y, width, number)
            else:
                # The spare width shared equally between the boxes, so wide labels stay inside.
                gap = (usable - sum(box_width(node) for node in row)) / len(row)
                x = LEFT + gap / 2
                for node in row:
                    boxes[node] = Box(node, x, y, box_width(node), number)
                    x += box_width(node) + gap
            y += BOX_HEIGHT + ROW_GAP
        y += BAND_PAD - ROW_GAP
        placed.append((band, band_top, y))
    return Layout(boxes, placed, y)


def ports(layout: Layout, edges: list[Edge]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Where each edge leaves and enters its boxes, spread along the side by the far end's x."""
    sides: dict[tuple[str, str], list[tuple[float, str, str, str]]] = defaultdict(list)
    for edge in edges:
        here, there = layout.boxes[edge.source], layout.boxes[edge.target]
        # Within a row an edge hangs below it: the gap above is where the upward arrows arrive.
        out_side = "bottom" if there.y >= here.y else "top"
        in_side = "top" if there.y > here.y else "bottom"
        sides[edge.source, out_side].append((there.centre, edge.source, edge.target, "out"))
        sides[edge.target, in_side].append((here.centre, edge.source, edge.target, "in"))
    found: dict[tuple[str, str, str], tuple[float, float]] = {}
    for (node, side), ends in sides.items():
        box = layout.boxes[node]
        y = box.y + (BOX_HEIGHT if side == "bottom" else 0)
        ends.sort()
        for i, (_, source, target, end) in enumerate(ends):
            x = box.x + box.width * (0.1 + 0.8 * (i + 0.5) / len(ends))
            found[source, target, end] = (x, y)
    return found


Point = tuple[float, float]
Curve = tuple[Point, Point, Point, Point]


def route(layout: Layout, start: Point, end: Point, source: str, target: str) -> Curve:
    """A cubic that leaves and enters vertically; level edges hang below their row, long ones
    bow outwards so they pass beside the boxes of the bands they cross."""
    (x0, y0), (x1, y1) = start, end
    if y0 == y1:
        sag = min(16 + abs(x1 - x0) * 0.08, 34.0)  # stays in the gap below the band
        return (start, (x0, y0 + sag), (x1, y1 + sag), end)
    bend = max(abs(y1 - y0) * 0.45, 24)
    sign = 1 if y1 > y0 else -1
    crossed = abs(layout.boxes[source].band - layout.boxes[target].band) - 1
    bow = 0.0
    if crossed > 0 and abs(x1 - x0) < 90 * crossed:
        outwards = 1 if (x0 + x1) / 2 > LEFT + (WIDTH - LEFT - RIGHT) / 2 else -1
        bow = outwards * min(50.0 * crossed, 160.0)
    return (start, (x0 + bow, y0 + sign * bend), (x1 + bow, y1 - sign * bend), end)


def path_data(curve: Curve) -> str:
    """The curve as an SVG path's d attribute."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    return f"M{x0:.1f},{y0:.1f} C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"


def point_at(curve: Curve, t: float) -> Point:
    """The point a fraction t along the curve's parameter."""
    weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
    x = sum(w * p[0] for w, p in zip(weights, curve, strict=True))
    y = sum(w * p[1] for w, p in zip(weights, curve, strict=True))
    return x, y


def label_spot(curve: Curve, taken: list[Point], boxes: Iterable[Box]) -> Point:
    """Where on the curve a count fits without covering another count or a box."""
    candidates = [point_at(curve, t) for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.15, 0.85)]
    frames = [(b.x - 8, b.y - 8, b.x + b.width + 8, b.y + BOX_HEIGHT + 8) for b in boxes]
    for x, y in candidates:
        clear = all(abs(x - u) > 16 or abs(y - v) > 13 for u, v in taken)
        if clear and not any(x0 < x < x1 and y0 < y < y1 for x0, y0, x1, y1 in frames):
            taken.append((x, y))
            return x, y
    taken.append(candidates[0])
    return candidates[0]


def stroke(count: int, base: float) -> float:
    """Thicker for more imports, slowly."""
    return base + 0.45 * math.log2(count)


def text(x: float, y: float, content: str, **attributes: str) -> str:
    """An SVG text element with escaped content."""
    extra = "".join(
        f" {key.replace('_', '-')}={quoteattr(value)}" for key, value in attributes.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def svg(graph: Graph) -> str:
    """The whole picture: bands, grey arrows down or within a layer, red ones against it, boxes."""
    layout = lay_out(graph, top=70)
    bad = sorted(graph.violations, key=lambda e: (-len(e.sites), e.source, e.target))
    legend = legend_lines(bad, top=layout.height + 30)
    height = layout.height + (46 + 16 * math.ceil(len(bad) / LEGEND_COLUMNS) if bad else 16)
    at = ports(layout, graph.edges)
    curves = {
        (e.source, e.target): route(
            layout, at[e.source, e.target, "out"], at[e.source, e.target, "in"], e.source, e.target
        )
        for e in graph.edges
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}"'
        f' viewBox="0 0 {WIDTH} {height:.0f}" font-family="DejaVu Sans, Helvetica, Arial,'
        ' sans-serif" font-size="13">',
        "<defs>",
        *(
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{size}"'
            f' markerHeight="{size}" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for name, colour, size in (("down", GREY, 7), ("bad", RED, 10))
        ),
        "</defs>",
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="white"/>',
        *heading(graph),
        *band_stripes(layout),
    ]
    for edge in graph.edges:
        if not edge.direction.violates:
            out.append(arrow(edge, curves[edge.source, edge.target]))
    out.extend(box_frame(box) for box in layout.boxes.values())
    out.extend(arrow(edge, curves[edge.source, edge.target]) for edge in bad)
    taken: list[Point] = []
    for edge in bad:
        x, y = label_spot(curves[edge.source, edge.target], taken, layout.boxes.values())
        out.append(
            text(
                x,
                y + 4,
                str(len(edge.sites)),
                fill=RED,
                font_size="11",
                font_weight="bold",
                text_anchor="middle",
                stroke="white",
                stroke_width="3",
                paint_order="stroke",
            )
        )
    for box in layout.boxes.values():
        out.append(
            text(
                box.centre,
                box.y + 16.5,
                box.name,
                text_anchor="middle",
                fill="#1b2631",
                stroke="white",
                stroke_width="3",
                paint_order="stroke",
            )
        )
    out.extend(legend)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def heading(graph: Graph) -> list[str]:
    """Title, what the colours mean and the count of edges against the layers."""
    bad = graph.violations
    up = sum(edge.direction is Direction.UP for edge in bad)
    imports = sum(len(edge.sites) for edge in bad)
    summary = (
        f"{len(graph.nodes)} packages, {len(graph.edges)} package edges. In red: {up} upward"
        f" edges and {len(bad) - up} between independent siblings (dashed), {imports} imports."
        if bad
        else f"{len(graph.nodes)} packages, {len(graph.edges)} package edges, none against layers."
    )
    return [
        text(LEFT, 24, "atdesk import graph", font_size="17", font_weight="bold"),
        text(
            LEFT,
            44,
            f"Layers of the import-linter contract “{LAYERS_CONTRACT}”, L1 at the top."
            " Grey: imports down or within a layer; numbers: imports per red edge.",
            fill="#444",
        ),
        text(LEFT, 62, summary, fill=RED if bad else "#444", font_weight="bold"),
    ]


def band_stripes(layout: Layout) -> list[str]:
    """Alternating stripes, one a layer, numbered as in the contract."""
    out = []
    for i, (band, top, bottom) in enumerate(layout.bands):
        fill = "#f0f3f8" if i % 2 == 0 else "#ffffff"
        out.append(
            f'<rect x="0" y="{top:.1f}" width="{WIDTH}" height="{bottom - top:.1f}" fill="{fill}">'
            f"<title>{escape(band.title)}</title></rect>"
        )
        out.append(text(10, (top + bottom) / 2 + 5, f"L{band.label}", fill="#667", font_size="12"))
    return out


def arrow(edge: Edge, curve: Curve) -> str:
    """One edge: thin grey when allowed, red (dashed between siblings) when against the layers."""
    count = len(edge.sites)
    title = escape(f"{edge.source} -> {edge.target} ({count} imports, {edge.direction.value})")
    if not edge.direction.violates:
        look = (
            f'stroke="{GREY}" stroke-opacity="0.45" stroke-width="{stroke(count, 0.7):.2f}"'
            ' marker-end="url(#down)"'
        )
    else:
        dash = ' stroke-dasharray="6,3"' if edge.direction is Direction.SIBLING else ""
        look = (
            f'stroke="{RED}" stroke-opacity="0.85" stroke-width="{stroke(count, 1.4):.2f}"'
            f'{dash} marker-end="url(#bad)" class="violation"'
        )
    return f'<path d="{path_data(curve)}" fill="none" {look}><title>{title}</title></path>'


def box_frame(box: Box) -> str:
    """A package's rectangle; its label is drawn later, above the red arrows."""
    return (
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{BOX_HEIGHT}"'
        ' rx="4" fill="#ffffff" stroke="#34495e" stroke-width="1.2"'
        f" data-package={quoteattr(box.name)}/>"
    )


def legend_lines(bad: list[Edge], top: float) -> list[str]:
    """The red edges in words under the picture, most imports first, in columns."""
    if not bad:
        return []
    rows = math.ceil(len(bad) / LEGEND_COLUMNS)
    column_width = (WIDTH - LEFT - RIGHT) / LEGEND_COLUMNS
    out = [
        text(
            LEFT,
            top,
            "Against the layers: importer → imported (imports)",
            fill=RED,
            font_weight="bold",
        )
    ]
    for i, edge in enumerate(bad):
        column, row = divmod(i, rows)
        sibling = " siblings" if edge.direction is Direction.SIBLING else ""
        label = f"{edge.source} → {edge.target} ({len(edge.sites)}){sibling}"
        x, y = LEFT + column * column_width, top + 20 + row * 16
        out.append(text(x, y, label, fill=RED, font_size="12"))
    return out


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; paths default to this repository's, given ones are relative to the cwd."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--src", type=Path, default=REPO / "src", help="folder holding the package")
    parser.add_argument("--package", default=ROOT_PACKAGE)
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "pyproject.toml",
        help="TOML file with the [tool.importlinter] contracts",
    )
    parser.add_argument(
        "--expand",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="draw this package's sub-packages as boxes of their own",
    )
    parser.add_argument("--svg", type=Path, help="write the picture here")
    parser.add_argument(
        "--markdown", type=Path, help="rewrite the import-graph section of this file (needs --svg)"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 listing every import against the layers"
    )
    args = parser.parse_args(argv)
    if args.markdown and not args.svg:
        parser.error("--markdown links the picture, so it needs --svg")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Write what was asked for; the edge list when nothing was."""
    args = parse_args(argv)
    graph = load_graph(args.src, args.config, args.package, frozenset(args.expand))
    if args.svg:
        args.svg.write_text(svg(graph), encoding="utf-8")
        print(f"wrote {args.svg}: {len(graph.edges)} edges, {len(graph.violations)} against layers")
    if args.markdown:
        image = Path(os.path.relpath(args.svg.resolve(), args.markdown.resolve().parent)).as_posix()
        current = args.markdown.read_text(encoding="utf-8")
        args.markdown.write_text(
            replace_section(current, markdown_section(graph, image)), encoding="utf-8"
        )
        print(f"rewrote the import-graph section of {args.markdown}")
    if args.check:
        report, failed = check_report(graph)
        print(report)
        return 1 if failed else 0
    if not (args.svg or args.markdown):
        print(edge_list(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main())
