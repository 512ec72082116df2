"""A circuit breaker's `trip` condition: the part of CEL that daprd's breakers can use, with
cel-go's meaning (checked against cel-go v0.20.1, the version daprd 1.18 is built with).

The five counts daprd passes in are the only names (each an int, typed `dyn` as daprd declares
them); the rest is literals (int, double, true/false) and the operators `! - * / % + - < <= > >=
== != && || ?:` with parentheses. As in cel-go: int arithmetic that overflows, and int division
or modulus by zero, are errors; `&&`/`||` absorb an error when the other side decides; an int and
a double compare by value at run time but not between literals; a trip that errs or is not a
bool does not trip. Anything else in CEL (strings, lists, functions, `in`, uints) is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

COUNTS = (
    "requests",
    "totalSuccesses",
    "totalFailures",
    "consecutiveSuccesses",
    "consecutiveFailures",
)
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1

Value = int | float | bool
Env = Mapping[str, int]
Evaluate = Callable[[Env], Value]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<hex>0[xX][0-9a-fA-F]+)(?P<hexu>[uU])?
    | (?P<float>(?:[0-9]+\.[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)
    | (?P<int>[0-9]+)(?P<intu>[uU])?
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>&&|\|\||==|!=|<=|>=|[<>+\-*/%!?:()])
    | (?P<other>.)
    )""",
    re.VERBOSE,
)


class TripError(ValueError):
    """A trip expression that cannot be used; the message says where and why."""


class _EvalError(Exception):
    """An error while evaluating: the breaker does not trip (daprd's rule)."""


@dataclass(frozen=True, slots=True)
class Trip:
    """A compiled trip condition."""

    text: str
    _evaluate: Evaluate

    def __call__(self, counts: Env) -> bool:
        """True when the breaker should open; an evaluation error or a non-bool is False."""
        try:
            result = self._evaluate(counts)
        except _EvalError:
            return False
        return result is True


def compile_trip(text: str) -> Trip:
    """The condition in `text`; TripError when it is not in the supported part of CEL or cel-go
    would refuse it."""
    parser = _Parser(text)
    node = parser.expression()
    parser.expect_end()
    if node.type in ("int", "double") or node.kind in ("name", "arith"):
        raise TripError(f"{text!r} is a number, not a condition (e.g. consecutiveFailures > 5)")
    return Trip(text, node.evaluate)


@dataclass(frozen=True, slots=True)
class _Node:
    type: str  # int | double | bool | dyn (a count, or anything computed from one)
    evaluate: Evaluate
    kind: str = ""  # name | arith | "" (what the root may not be)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # int | float | name | op | end
    text: str
    column: int  # 1-based, as cel-go reports it


class _Parser:
    """Recursive descent over CEL's precedence: ?: then || then && then relations, +-, */%,
    unary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(self._tokens(text))
        self.pos = 0

    def _tokens(self, text: str) -> list[_Token]:
        tokens, pos = [], 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or not match.group(0).strip():
                break  # only blanks were left
            kind = match.lastgroup or "other"
            column = match.start(kind) + 1
            if kind in ("hexu", "intu"):
                self._fail(column, "unsigned numbers (5u) are not supported")
            if kind == "other":
                self._fail(column, f"{match.group(kind)!r} is not supported here")
            value = match.group(kind)
            tokens.append(_Token("int" if kind == "hex" else kind, value, column))
            pos = match.end()
        tokens.append(_Token("end", "", len(text) + 1))
        return tokens

    def _fail(self, column: int, reason: str) -> None:
        raise TripError(f"{self.text!r} at column {column}: {reason}")

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self, *ops: str) -> _Token | None:
        token = self.peek()
        if token.kind == "op" and token.text in ops:
            self.pos += 1
            return token
        return None

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind != "end":
            self._fail(token.column, f"unexpected {token.text!r}")

    def expression(self) -> _Node:
        condition = self.or_()
        question = self.take("?")
        if question is None:
            return condition
        then = self.or_()
        if self.take(":") is None:
            self._fail(self.peek().column, "expected ':' of a ?: expression")
        otherwise = self.expression()
        self._check_bool(condition, question.column, "?:")
        if "dyn" not in (then.type, otherwise.type) and then.type != otherwise.type:
            self._fail(
                question.column, f"the branches of ?: differ ({then.type}, {otherwise.type})"
            )
        kind = then.type if then.type == otherwise.type else "dyn"
        return _Node(kind, _conditional(condition.evaluate, then.evaluate, otherwise.evaluate))

    def or_(self) -> _Node:
        node = self.and_()
        while (token := self.take("||")) is not None:
            right = self.and_()
            for side in (node, right):
                self._check_bool(side, token.column, "||")
            node = _Node("bool", _logical(node.evaluate, right.evaluate, decisive=True))
        return node

    def and_(self) -> _Node:
        node = self.relation()
        while (token := self.take("&&")) is not None:
            right = self.relation()
            for side in (node, right):
                self._check_bool(side, token.column, "&&")
            node = _Node("bool", _logical(node.evaluate, right.evaluate, decisive=False))
        return node

    def relation(self) -> _Node:
        node = self.additive()
        while (token := self.take("<", "<=", ">", ">=", "==", "!=")) is not None:
            right = self.additive()
            known = {node.type, right.type} - {"dyn"}
            if len(known) > 1:
                self._fail(token.column, f"{token.text} between {node.type} and {right.type}")
            node = _Node("bool", _compare(token.text, node.evaluate, right.evaluate))
        return node

    def additive(self) -> _Node:
        node = self.multiplicative()
        while (token := self.take("+", "-")) is not None:
            node = self._arith(token, node, self.multiplicative())
        return node

    def multiplicative(self) -> _Node:
        node = self.unary()
        while (token := self.take("*", "/", "%")) is not None:
            node = self._arith(token, node, self.unary())
        return node

    def _arith(self, token: _Token, left: _Node, right: _Node) -> _Node:
        known = {left.type, right.type} - {"dyn"}
        allowed = {"int"} if token.text == "%" else {"int", "double"}
        if len(known) > 1 or not known <= allowed:
            self._fail(token.column, f"{token.text} on {left.type} and {right.type}")
        result = known.pop() if known else "dyn"
        return _Node(result, _arithmetic(token.text, left.evaluate, right.evaluate), "arith")

    def unary(self) -> _Node:
        if (token := self.take("!")) is not None:
            operand = self.unary()
            self._check_bool(operand, token.column, "!")
            return _Node("bool", _not(operand.evaluate))
        if (token := self.take("-")) is not None:
            following = self.peek()
            if following.kind == "int":  # -9223372036854775808 is a literal, as in CEL
                self.pos += 1
                return self._int_literal(following, negative=True)
            operand = self.unary()
            if operand.type == "bool":
                self._fail(token.column, "- on a bool")
            return _Node(operand.type, _negate(operand.evaluate), "arith")
        return self.primary()

    def primary(self) -> _Node:
        token = self.peek()
        self.pos += 1
        if token.kind == "int":
            return self._int_literal(token, negative=False)
        if token.kind == "float":
            value = float(token.text)
            return _Node("double", lambda env: value)
        if token.kind == "name":
            return self._name(token)
        if token.kind == "op" and token.text == "(":
            node = self.expression()
            if self.take(")") is None:
                self._fail(self.peek().column, "expected ')'")
            return _Node(node.type, node.evaluate)
        where = "the end" if token.kind == "end" else repr(token.text)
        self._fail(token.column, f"expected a number, a count or '(' at {where}")
        raise AssertionError  # _fail raised

    def _name(self, token: _Token) -> _Node:
        if token.text in ("true", "false"):
            flag = token.text == "true"
            return _Node("bool", lambda env: flag)
        if token.text not in COUNTS:
            self._fail(
                token.column,
                f"unknown name {token.text!r} (the counts are {', '.join(COUNTS)}; "
                "daprd would let it through and the breaker would never open)",
            )
        if self.peek().kind == "op" and self.peek().text == "(":
            self._fail(token.column, "functions are not supported")
        name = token.text

        def count(env: Env) -> Value:
            try:
                return env[name]
            except KeyError:
                raise _EvalError(f"no such attribute: {name}") from None

        return _Node("dyn", count, "name")

    def _int_literal(self, token: _Token, *, negative: bool) -> _Node:
        magnitude = int(token.text, 16) if token.text[:2].lower() == "0x" else int(token.text)
        value = -magnitude if negative else magnitude
        if not _INT_MIN <= value <= _INT_MAX:
            self._fail(token.column, f"{token.text} is out of the int range")
        return _Node("int", lambda env: value)

    def _check_bool(self, node: _Node, column: int, operator: str) -> None:
        if node.type not in ("bool", "dyn"):
            self._fail(column, f"{operator} needs true/false, not {node.type}")


def _conditional(condition: Evaluate, then: Evaluate, otherwise: Evaluate) -> Evaluate:
    def evaluate(env: Env) -> Value:
        chosen = condition(env)
        if type(chosen) is not bool:
            raise _EvalError("no such overload")
        return then(env) if chosen else otherwise(env)

    return evaluate


def _logical(left: Evaluate, right: Evaluate, *, decisive: bool) -> Evaluate:
    """CEL's commutative && (decisive False) and || (decisive True): the deciding value wins
    over an error or a non-bool on the other side."""

    def evaluate(env: Env) -> Value:
        first = _outcome(left, env)
        if first is decisive:
            return decisive
        second = _outcome(right, env)
        if second is decisive:
            return decisive
        if first is None or second is None:
            raise _EvalError("no such overload")
        return not decisive

    return evaluate


def _outcome(side: Evaluate, env: Env) -> bool | None:
    try:
        value = side(env)
    except _EvalError:
        return None
    return value if type(value) is bool else None


def _not(operand: Evaluate) -> Evaluate:
    def evaluate(env: Env) -> Value:
        value = operand(env)
        if type(value) is not bool:
            raise _EvalError("no such overload")
        return not value

    return evaluate


def _negate(operand: Evaluate) -> Evaluate:
    def evaluate(env: Env) -> Value:
        value = operand(env)
        if type(value) is int:
            return _checked(-value)
        if type(value) is float:
            return -value
        raise _EvalError("no such overload")

    return evaluate


def _compare(op: str, left: Evaluate, right: Evaluate) -> Evaluate:
    def evaluate(env: Env) -> Value:
        a, b = left(env), right(env)
        numeric = type(a) in (int, float) and type(b) in (int, float)
        if op in ("==", "!="):
            # Heterogeneous equality: different kinds are unequal, numbers compare by value.
            equal = a == b if numeric or type(a) is type(b) else False
            return equal if op == "==" else not equal
        if not numeric and not (type(a) is bool and type(b) is bool):
            raise _EvalError("no such overload")
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b

    return evaluate


def _arithmetic(op: str, left: Evaluate, right: Evaluate) -> Evaluate:
    def evaluate(env: Env) -> Value:
        a, b = left(env), right(env)
        if type(a) is int and type(b) is int:
            return _int_op(op, a, b)
        if type(a) is float and type(b) is float and op != "%":
            return _float_op(op, a, b)
        raise _EvalError("no such overload")

    return evaluate


def _int_op(op: str, a: int, b: int) -> int:
    if op == "+":
        return _checked(a + b)
    if op == "-":
        return _checked(a - b)
    if op == "*":
        return _checked(a * b)
    if b == 0:
        raise _EvalError("division by zero" if op == "/" else "modulus by zero")
    # Go truncates toward zero, and the remainder takes the dividend's sign.
    quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return _checked(quotient) if op == "/" else a - b * quotient


def _float_op(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0.0:  # IEEE, as Go: no error
        return (
            math.nan
            if a == 0.0 or math.isnan(a)
            else math.copysign(math.inf, a) * (math.copysign(1.0, b))
        )
    return a / b


def _checked(value: int) -> int:
    if not _INT_MIN <= value <= _INT_MAX:
        raise _EvalError("integer overflow")
    return value
