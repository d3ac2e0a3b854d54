"""The apps' import graph: one way only, no cycle, lazy imports included (grimp reads every import statement).

``lint-imports`` (pyproject.toml, run by ``make lint``) holds the layers contract; this test shows the same
graph from the other side: the app-level graph is acyclic and every edge points down the README's diagram.
"""

import grimp

# Bottom first. Apps on one level may not import each other, except along SIBLING_EDGES.
LEVELS = [
    {"core"},
    {"members"},
    {"clubs"},
    {"notifications"},
    {"events", "feed", "billing"},
    {"offers", "automations"},
    {"analytics"},
    {"privacy"},
    {"devtools"},
    {"config"},
]
SIBLING_EDGES = {("feed", "events"), ("automations", "offers")}
APPS = sorted(set().union(*LEVELS))


def _app_edges() -> set[tuple[str, str]]:
    graph = grimp.build_graph(*APPS, include_external_packages=False)
    edges = set()
    for importer in APPS:
        for imported in APPS:
            if importer != imported and graph.direct_import_exists(
                importer=importer, imported=imported, as_packages=True
            ):
                edges.add((importer, imported))
    return edges


def _level(app: str) -> int:
    return next(index for index, level in enumerate(LEVELS) if app in level)


def test_every_import_between_apps_points_down_the_layers():
    upward = [
        (importer, imported)
        for importer, imported in _app_edges()
        if _level(importer) < _level(imported)
        or (_level(importer) == _level(imported) and (importer, imported) not in SIBLING_EDGES)
    ]
    assert upward == []


def _in_a_cycle(nodes: set[str], edges: set[tuple[str, str]]) -> set[str]:
    """Kahn's algorithm: peel off nodes that import nothing left; what remains lies on a cycle."""
    remaining = set(nodes)
    while True:
        leaves = {node for node in remaining if not any(a == node and b in remaining for a, b in edges)}
        if not leaves:
            return remaining
        remaining -= leaves


def test_the_import_graph_of_the_apps_has_no_cycle():
    assert _in_a_cycle(set(APPS), _app_edges()) == set()


def test_the_cycle_check_finds_a_cycle():
    assert _in_a_cycle({"a", "b", "c"}, {("a", "b"), ("b", "a"), ("a", "c")}) == {"a", "b"}
