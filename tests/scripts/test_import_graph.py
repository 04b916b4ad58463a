"""scripts/import_graph.py: the import graph it draws is the code's, measured against the layers."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from xml.etree import ElementTree

import pytest
from scripts.import_graph import (
    END,
    START,
    Direction,
    Graph,
    ImportSite,
    collect_imports,
    load_graph,
    main,
    parse_layer,
    read_contracts,
    svg,
)

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "pyproject.toml"
SVG = "{http://www.w3.org/2000/svg}"

# Layers of the fake package, top first: ui; a | b independent; (later) optional and absent;
# cases; domain : config sharing the bottom layer.
FAKE_CONTRACT = """
[tool.importlinter]
root_package = "shop"

[[tool.importlinter.contracts]]
id = "layers"
name = "fake layers"
type = "layers"
containers = ["shop"]
layers = ["ui", "a | b", "(later)", "cases", "domain : config"]
exhaustive = true

[[tool.importlinter.contracts]]
id = "inner"
name = "cases inside"
type = "layers"
containers = ["shop.cases"]
layers = ["service", "(engine)", "rules"]
"""

FAKE_FILES = {
    "__init__.py": '__version__ = "1"\n',
    "config.py": "",
    "ui/__init__.py": "",
    "ui/app.py": """
        from shop import __version__
        from shop.cases import service
        import shop.domain.ids
        from shop.config import *
    """,
    "a/__init__.py": "from shop.b import thing\n",
    "b/__init__.py": "thing = 1\n",
    "cases/__init__.py": "",
    "cases/service.py": """
        from shop.domain import ids


        def later() -> None:
            from shop.ui import app
    """,
    "cases/types.py": """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from shop.ui.app import thing
    """,
    "cases/rules.py": """
        from ..domain import ids
        from . import service
        from .service import later
    """,
    "domain/__init__.py": "",
    "domain/ids.py": "from shop import config\n",
    "domain/scripts/loose.py": "import shop.ui.app\n",  # no __init__.py: not a module
}


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, Path]:
    """A small package `shop` under tmp_path/src with its layer contract beside it."""
    for name, content in FAKE_FILES.items():
        path = tmp_path / "src" / "shop" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(content))
    config = tmp_path / "contracts.toml"
    config.write_text(FAKE_CONTRACT)
    return tmp_path / "src", config


def edges_of(graph: Graph) -> dict[tuple[str, str], tuple[Direction, int]]:
    return {(e.source, e.target): (e.direction, len(e.sites)) for e in graph.edges}


def test_every_kind_of_import_statement_is_found_with_its_line(fake: tuple[Path, Path]) -> None:
    src, _ = fake
    sites = set(collect_imports(src, "shop"))
    assert {
        ImportSite("shop.ui.app", 2, "shop"),  # a name from the root package
        ImportSite("shop.ui.app", 3, "shop.cases.service"),  # `from pkg import module`
        ImportSite("shop.ui.app", 4, "shop.domain.ids"),  # `import a.b.c`
        ImportSite("shop.ui.app", 5, "shop.config"),  # star import
        ImportSite("shop.a", 1, "shop.b"),  # a name from a package's __init__
        ImportSite("shop.cases.service", 6, "shop.ui.app"),  # inside a function
        ImportSite("shop.cases.types", 5, "shop.ui.app"),  # under TYPE_CHECKING
        ImportSite("shop.cases.rules", 2, "shop.domain.ids"),  # relative, two dots
        ImportSite("shop.cases.rules", 3, "shop.cases.service"),  # `from . import module`
        ImportSite("shop.cases.rules", 4, "shop.cases.service"),
    } <= sites
    assert not any(site.importer.startswith("shop.domain.scripts") for site in sites)


def test_edges_are_aggregated_to_top_level_packages_and_classified(
    fake: tuple[Path, Path],
) -> None:
    src, config = fake
    graph = load_graph(src, config, "shop", frozenset())
    assert graph.nodes == {"ui", "a", "b", "cases", "domain", "config"}
    assert edges_of(graph) == {
        ("ui", "cases"): (Direction.DOWN, 1),
        ("ui", "domain"): (Direction.DOWN, 1),
        ("ui", "config"): (Direction.DOWN, 1),
        ("a", "b"): (Direction.SIBLING, 1),
        ("cases", "domain"): (Direction.DOWN, 2),
        ("cases", "ui"): (Direction.UP, 2),  # the function-level and the TYPE_CHECKING import
        ("domain", "config"): (Direction.SAME, 1),
    }
    assert [(e.source, e.target) for e in graph.violations] == [("a", "b"), ("cases", "ui")]


def test_an_expanded_package_is_measured_against_its_own_contract(
    fake: tuple[Path, Path],
) -> None:
    src, config = fake
    graph = load_graph(src, config, "shop", frozenset({"cases"}))
    edges = edges_of(graph)
    assert edges[("cases.rules", "cases.service")] == (Direction.UP, 2)
    assert edges[("cases.service", "ui")] == (Direction.UP, 1)
    assert edges[("cases.types", "ui")] == (Direction.UP, 1)
    assert edges[("ui", "cases.service")] == (Direction.DOWN, 1)
    assert {"cases.service", "cases.rules", "cases.types"} <= graph.nodes


def test_check_lists_each_import_against_the_layers_and_fails(
    fake: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, config = fake
    code = main(["--src", str(src), "--config", str(config), "--package", "shop", "--check"])
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert code == 1
    assert lines == [
        "shop.a:1 -> shop.b",
        "shop.cases.service:6 -> shop.ui.app",
        "shop.cases.types:5 -> shop.ui.app",
    ]


def test_check_passes_when_nothing_runs_against_the_layers(
    fake: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, config = fake
    (src / "shop" / "a" / "__init__.py").write_text("")
    (src / "shop" / "cases" / "service.py").write_text("from shop.domain import ids\n")
    (src / "shop" / "cases" / "types.py").write_text("")
    code = main(["--src", str(src), "--config", str(config), "--package", "shop", "--check"])
    assert code == 0
    assert "0 imports in 0 edges" in capsys.readouterr().out


def test_a_package_missing_from_an_exhaustive_contract_fails_the_check(
    fake: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, config = fake
    (src / "shop" / "stray.py").write_text("")
    code = main(["--src", str(src), "--config", str(config), "--package", "shop", "--check"])
    assert code == 1
    assert "# not in the layer contract: stray" in capsys.readouterr().out


def test_the_default_output_is_the_edge_list(
    fake: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    src, config = fake
    assert main(["--src", str(src), "--config", str(config), "--package", "shop"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "cases -> domain (2 imports)" in out
    assert "cases -> ui (2 imports)  [upward]" in out
    assert "a -> b (1 imports)  [between independent siblings]" in out


def test_the_picture_is_svg_with_a_box_per_package_and_red_arrows_for_violations(
    fake: tuple[Path, Path],
) -> None:
    src, config = fake
    graph = load_graph(src, config, "shop", frozenset())
    root = ElementTree.fromstring(svg(graph))  # noqa: S314 (our own output)
    assert root.tag == f"{SVG}svg"
    boxes = {rect.get("data-package"): rect for rect in root.iter(f"{SVG}rect")}
    assert set(boxes) - {None} == {"ui", "a", "b", "cases", "domain", "config"}
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {"ui", "a", "b", "cases", "domain", "config"} <= labels
    red = [p for p in root.iter(f"{SVG}path") if p.get("class") == "violation"]
    assert [p.findtext(f"{SVG}title") for p in red] == [
        "cases -> ui (2 imports, upward)",  # most imports first
        "a -> b (1 imports, between independent siblings)",
    ]
    assert any("1 upward edges and 1 between independent siblings" in (t or "") for t in labels)
    # Layers stack top to bottom: ui above cases above domain, domain and config side by side.
    y = {name: float(rect.get("y", "nan")) for name, rect in boxes.items() if name}
    assert y["ui"] < y["a"] == y["b"] < y["cases"] < y["domain"] == y["config"]


def test_markdown_section_is_replaced_between_the_markers(fake: tuple[Path, Path]) -> None:
    src, config = fake
    docs = src.parent / "docs"
    docs.mkdir()
    page = docs / "architecture.md"
    page.write_text(f"# Architecture\n\nbefore\n{START}\nold picture\n{END}\nafter\n")
    picture = docs / "img" / "graph.svg"
    picture.parent.mkdir()
    args = ["--src", str(src), "--config", str(config), "--package", "shop"]
    assert main([*args, "--svg", str(picture), "--markdown", str(page)]) == 0
    text = page.read_text()
    assert text.startswith("# Architecture\n\nbefore\n" + START)
    assert text.endswith(END + "\nafter\n")
    assert "old picture" not in text
    assert "](img/graph.svg)" in text
    assert "| 2 | `a` \\| `b` |" in text
    assert "| 3 | (not yet: later) |" in text
    assert "| 5 | `domain` : `config` |" in text
    ElementTree.parse(picture)  # noqa: S314 (our own output)


def test_the_contract_layers_are_read_top_first_with_siblings_and_optional_names() -> None:
    root, inner = read_contracts(CONTRACTS, "atdesk")
    first, second, third = root.layers[0], root.layers[1], root.layers[2]
    assert first.names == ("web", "cli", "worker", "demo")
    assert first.optional == {"worker"} and not first.independent
    assert second.names == ("reports",)
    assert third.names == (
        "automations",
        "surveys",
        "connectors",
        "insights",
        "noise",
        "costs",
        "lifecycle",
    )
    assert third.independent
    assert root.layers[-1].names == ("domain", "config")
    assert [layer.names for layer in inner["automations"].layers] == [
        ("bot", "callbacks", "appointments", "cityreports"),
        ("outbound",),
        ("engine",),
    ]
    assert parse_layer(1, "(audit) | (jobs)").optional == {"audit", "jobs"}
    with pytest.raises(ValueError, match="mixes"):
        parse_layer(1, "a | b : c")


def test_todays_tree_keeps_its_layers() -> None:
    """The picture in docs/architecture.md shows no red edge: every package is placed, and
    no import runs upward or between independent siblings (what `make lint` also checks)."""
    graph = load_graph(REPO / "src", REPO / "pyproject.toml", "atdesk", frozenset())
    assert graph.unlayered == []
    directions = {(e.source, e.target): e.direction for e in graph.edges}
    assert directions[("web", "cases")] is Direction.DOWN
    against = {
        pair: d for pair, d in directions.items() if d not in (Direction.DOWN, Direction.SAME)
    }
    assert against == {}
