"""Semantic mutants: the bugs learners write, not typos.

Each operator changes one thing the way a learner's wrong app does: routes declared in
another order, a model field loosened to ``Any``, a call statement forgotten (an
exception handler never registered, a router never included, a commit never made), a
route or dependency made ``async`` (or no longer), an error never raised, a check
skipped. They are made from the syntax tree, so they apply to any kata; the bugs only
one kata can have are written by hand in ``tools/mutants/NN_topic.toml``.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket", "route"}

Edit = Callable[[ast.Module], bool]


def semantic_edits(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """(description, line, edit) for every semantic mutant of ``tree``; ``edit`` changes a copy in place."""
    yield from _route_swaps(tree)
    yield from _loosened_fields(tree)
    yield from _forgotten_calls(tree)
    yield from _colour_changes(tree)
    yield from _dropped_raises(tree)
    yield from _skipped_checks(tree)


def apply(tree: ast.Module, edit: Edit) -> ast.Module | None:
    """A changed copy of ``tree``, or None when the edit does not apply."""
    mutated = copy.deepcopy(tree)
    return mutated if edit(mutated) else None


def _node_at(tree: ast.AST, index: int) -> ast.AST:
    for position, node in enumerate(ast.walk(tree)):
        if position == index:
            return node
    raise IndexError(index)


def _route_owner(function: ast.AST) -> str | None:
    """``app`` for a function decorated ``@app.get(...)``, else None."""
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_METHODS:
            return ast.unparse(call.value)
    return None


def _route_path(function: ast.AST) -> tuple[str, str] | None:
    """(method, path) of ``@app.get("/users/{id}")``, when both are written out."""
    for decorator in getattr(function, "decorator_list", []):
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.args:
            method, first = decorator.func.attr, decorator.args[0]
            if method in ROUTE_METHODS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                return method, first.value
    return None


def _may_shadow(a: ast.AST, b: ast.AST) -> bool:
    """Could one route's path match the other's requests? Only then does their order matter."""
    first, second = _route_path(a), _route_path(b)
    if first is None or second is None:
        return True
    if first[0] != second[0]:
        return False
    left, right = first[1].strip("/").split("/"), second[1].strip("/").split("/")
    if len(left) != len(right):
        return any(part.endswith(":path}") for part in left + right)
    return all(x == y or x.startswith("{") or y.startswith("{") for x, y in zip(left, right, strict=True))


def _route_swaps(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """Two routes of one app or router whose paths overlap, declared the other way round."""
    routes = [(i, node) for i, node in enumerate(tree.body) if _route_owner(node)]
    for position, (first, a) in enumerate(routes):
        for second, b in routes[position + 1 :]:
            if _route_owner(a) == _route_owner(b) and _may_shadow(a, b):
                yield from _swap(first, a, second, b)


def _swap(first: int, a: ast.AST, second: int, b: ast.AST) -> Iterator[tuple[str, int, Edit]]:
    def edit(module: ast.Module) -> bool:
        module.body[first], module.body[second] = module.body[second], module.body[first]
        return True

    yield f"route order: {getattr(b, 'name', '?')} declared before {getattr(a, 'name', '?')}", a.lineno, edit


def _loosened_fields(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """A field of a class (a Pydantic model, a settings class) annotated ``Any``."""
    for index, node in enumerate(ast.walk(tree)):
        if not isinstance(node, ast.ClassDef) or not node.bases:
            continue
        for position, statement in enumerate(node.body):
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            if "ClassVar" in ast.unparse(statement.annotation) or ast.unparse(statement.annotation) == "Any":
                continue

            def edit(module: ast.Module, index: int = index, position: int = position) -> bool:
                field = _node_at(module, index).body[position]  # type: ignore[attr-defined]
                field.annotation = ast.Name("Any", ast.Load())
                _import_any(module)
                return True

            annotation = ast.unparse(statement.annotation)[:40]
            yield f"field {node.name}.{statement.target.id}: {annotation} → Any", statement.lineno, edit


def _import_any(module: ast.Module) -> None:
    """Add ``from typing import Any`` after the docstring and ``__future__`` imports."""
    position = 0
    for position, statement in enumerate(module.body):
        is_docstring = position == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if not (is_docstring or is_future):
            break
    module.body.insert(position, ast.ImportFrom("typing", [ast.alias("Any")], 0))


def _bodies(tree: ast.AST) -> Iterator[tuple[int, str, list[ast.stmt]]]:
    """(node index, field name, statement list) for every block of statements."""
    for index, node in enumerate(ast.walk(tree)):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield index, name, block


def _replace_statement(index: int, name: str, position: int, replacement: Callable[[ast.stmt], list[ast.stmt]]) -> Edit:
    def edit(module: ast.Module) -> bool:
        block = getattr(_node_at(module, index), name)
        new = replacement(block[position])
        block[position : position + 1] = new or [ast.Pass()]
        return True

    return edit


def _forgotten_calls(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """A call made for its effect left out: ``app.add_exception_handler(...)``, ``db.commit()``."""
    for index, name, block in _bodies(tree):
        for position, statement in enumerate(block):
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call | ast.Await):
                call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
                text = ast.unparse(statement.value)
                if len(text) > 50 and isinstance(call, ast.Call):
                    text = f"{'await ' if call is not statement.value else ''}{ast.unparse(call.func)}(...)"
                yield f"forgot {text}", statement.lineno, _replace_statement(index, name, position, lambda s: [])


def _depended_on(tree: ast.Module) -> set[str]:
    """Names passed to ``Depends(...)``/``Security(...)``: the module's dependencies."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"Depends", "Security"}:
            names.update(arg.id for arg in node.args if isinstance(arg, ast.Name))
    return names


def _colour_changes(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """A route or dependency written ``async def``: its blocking calls now stop the event loop.

    (``async def`` → ``def`` only moves a coroutine-free function to the thread pool, which no
    client can tell, so it is not made.)"""
    dependencies = _depended_on(tree)
    for index, node in enumerate(ast.walk(tree)):
        if not isinstance(node, ast.FunctionDef) or not (_route_owner(node) or node.name in dependencies):
            continue
        to_async = True

        def edit(module: ast.Module, index: int = index, to_async: bool = to_async) -> bool:
            function = _node_at(module, index)
            for parent in ast.walk(module):
                for name in ("body", "orelse"):
                    block = getattr(parent, name, None)
                    if not isinstance(block, list):
                        continue
                    for position, child in enumerate(block):
                        if child is function:
                            kind = ast.AsyncFunctionDef if to_async else ast.FunctionDef
                            fields = {f: getattr(child, f) for f in child._fields if hasattr(child, f)}
                            block[position] = ast.copy_location(kind(**fields), child)
                            return True
            return False

        yield f"{'def → async def' if to_async else 'async def → def'} {node.name}", node.lineno, edit


def _dropped_raises(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """An error that is never raised."""
    for index, name, block in _bodies(tree):
        for position, statement in enumerate(block):
            if isinstance(statement, ast.Raise) and statement.exc is not None:
                text = ast.unparse(statement.exc)[:50]
                yield f"never raises {text}", statement.lineno, _replace_statement(index, name, position, lambda s: [])


def _skipped_checks(tree: ast.Module) -> Iterator[tuple[str, int, Edit]]:
    """An ``if`` whose condition is never true (the check skipped) or always true."""
    for index, node in enumerate(ast.walk(tree)):
        if not isinstance(node, ast.If):
            continue
        condition = ast.unparse(node.test)[:50]
        for value in (False, True) if node.orelse else (False,):

            def edit(module: ast.Module, index: int = index, value: bool = value) -> bool:
                target = _node_at(module, index)
                assert isinstance(target, ast.If)
                target.test = ast.Constant(value)
                return True

            yield f"if {condition} → if {value}", node.lineno, edit
