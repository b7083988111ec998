"""The architecture the import contracts describe, checked on the real import graph.

`lint-imports` (run by ./dev test) enforces the layers; these tests add what it does not
say directly: no cycle at all, even through imports made only for type checkers, and a
protocols module that imports nothing else of factdesk at run time.
"""

from pathlib import Path

import grimp

from factdesk.cli.settings_doc import readme_block, settings_markdown

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _graph(*, type_checking: bool):
    return grimp.build_graph("factdesk", exclude_type_checking_imports=not type_checking)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_even_through_type_checking_imports():
    assert _cycles(_graph(type_checking=True)) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_protocols_import_nothing_of_factdesk_at_run_time():
    imported = _graph(type_checking=False).find_modules_directly_imported_by("factdesk.protocols")
    assert not {m for m in imported if m.startswith("factdesk")}


def test_stages_reach_no_backend_implementation():
    graph = _graph(type_checking=True)
    chains = graph.find_shortest_chains(importer="factdesk.pipeline", imported="factdesk.backends")
    assert chains == set()


def test_readme_settings_table_is_generated_from_the_settings():
    assert readme_block(README) == settings_markdown(), (
        "README settings table is stale: run `factdesk settings --readme README.md`"
    )
