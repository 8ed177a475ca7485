"""Which README rule each test checks, read without running anything.

A kata's README numbers its rules under "## Your task" (``7. ...`` or ``### 7. ...``),
and each test names the rules it checks with ``@pytest.mark.rule(7)``. Both sides are
read statically (Markdown lines, the test module's syntax tree), so ``kata verify`` and
the project's suite can say which rule has no test and which test checks no rule
without importing a learner's file or starting a server.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

TASK_HEADING = re.compile(r"^##\s+Your task\s*$")
OTHER_SECTION = re.compile(r"^##\s+\S")
RULE_LINE = re.compile(r"^(?:###\s+)?(\d+)\.\s+\S")


def readme_rules(text: str) -> list[str]:
    """The rule numbers of the "## Your task" section, in order (items that start a line)."""
    rules: list[str] = []
    inside = False
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if TASK_HEADING.match(line):
            inside = True
            continue
        if inside and OTHER_SECTION.match(line) and not line.startswith("###"):
            break
        match = RULE_LINE.match(line) if inside else None
        if match and match.group(1) not in rules:
            rules.append(match.group(1))
    return rules


def _rule_arguments(decorator: ast.expr) -> list[str] | None:
    """The arguments of ``@pytest.mark.rule(...)`` (or ``@mark.rule``), else None."""
    if not isinstance(decorator, ast.Call):
        return None
    func = decorator.func
    if not (isinstance(func, ast.Attribute) and func.attr == "rule"):
        return None
    owner = func.value
    if not (isinstance(owner, ast.Attribute) and owner.attr == "mark") and not (
        isinstance(owner, ast.Name) and owner.id == "mark"
    ):
        return None
    values: list[str] = []
    for argument in decorator.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, int | str):
            values.append(str(argument.value))
        else:
            values.append(f"<not a constant: {ast.unparse(argument)}>")
    return values


def rules_named_by_tests(source: str) -> dict[str, list[str]]:
    """Each test function's name and the rules its markers name (an empty list: none)."""
    tree = ast.parse(source)
    found: dict[str, list[str]] = {}

    def visit(body: list[ast.stmt], inherited: list[str], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                rules = [r for d in node.decorator_list for r in (_rule_arguments(d) or [])]
                visit(node.body, inherited + rules, f"{prefix}{node.name}::")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                rules = [r for d in node.decorator_list for r in (_rule_arguments(d) or [])]
                found[f"{prefix}{node.name}"] = inherited + rules

    visit(tree.body, [], "")
    return found


@dataclass
class Trace:
    """Rules and tests of one kata, and the gaps between them."""

    rules: list[str]
    tests: dict[str, list[str]]
    rules_without_tests: list[str] = field(default_factory=list)
    tests_without_rules: list[str] = field(default_factory=list)
    unknown_rules: dict[str, list[str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """One line per gap, as ``kata verify`` prints them."""
        lines = []
        if not self.rules:
            lines.append('the README numbers no rules under "## Your task"')
        if self.rules_without_tests:
            lines.append(f"README rules without a test: {', '.join(self.rules_without_tests)}")
        if self.tests_without_rules:
            lines.append(f"tests without @pytest.mark.rule: {', '.join(self.tests_without_rules)}")
        for test, rules in self.unknown_rules.items():
            lines.append(f"{test} names rules the README does not have: {', '.join(rules)}")
        return lines


def trace_files(readme: Path, tests: Path) -> Trace:
    """Match the README's rules with the rules the tests name."""
    rules = readme_rules(readme.read_text(encoding="utf-8"))
    named = rules_named_by_tests(tests.read_text(encoding="utf-8"))
    covered = {rule for names in named.values() for rule in names}
    trace = Trace(rules=rules, tests=named)
    trace.rules_without_tests = [rule for rule in rules if rule not in covered]
    trace.tests_without_rules = [test for test, names in named.items() if not names]
    for test, names in named.items():
        unknown = [name for name in names if name not in rules]
        if unknown:
            trace.unknown_rules[test] = unknown
    return trace
