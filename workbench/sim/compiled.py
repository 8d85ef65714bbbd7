"""The model compiled once for the simulator: expressions, field types and defaults.

Why a compiled form: a run evaluates the same rules and evolve expressions thousands of
times, so everything that depends only on the model (parsed field types, compiled
expressions, converted constants, each state's defaults) is worked out here once and
the hot path only looks things up.

Every expression is wrapped in an :class:`Expr` that knows what it is ("rule 2 of
command 'LendBook'"), so a failure at run time becomes a :class:`ModelingProblem` whose
message names the model element and quotes the expression, never a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import dis
import operator
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.model.expr_runtime import Budget
from workbench.model.expressions import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    compile_expression,
)
from workbench.model.schema import (
    Command,
    Event,
    Fields,
    Model,
    Policy,
    Projection,
    StreamExpectation,
)
from workbench.model.types import TypeRef, parse_type
from workbench.sim.clock import parse_duration
from workbench.sim.values import ValueConversionError, ValueTypes


class ModelingProblem(Exception):
    """The model cannot do what it was asked at run time (an expression failed, a value
    does not fit its field): a bug in the model, reported as a result, not a crash."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _no_arguments(env: Mapping[str, Any]) -> tuple[()]:
    return ()


def _reads_budget(function: Any) -> bool:
    """Whether a compiled expression's function reads its budget argument (its first):
    one that never does (a comparison of fields, say) is given ``None`` instead of a
    fresh :class:`Budget`. Any doubt (nested code, an unexpected shape) counts as yes."""
    code = getattr(function, "__code__", None)
    if code is None or not code.co_varnames or code.co_cellvars or code.co_freevars:
        return True
    budget = code.co_varnames[0]
    if any(isinstance(const, types.CodeType) for const in code.co_consts):
        return True
    for instruction in dis.get_instructions(code):
        argval = instruction.argval
        if argval == budget or (isinstance(argval, tuple) and budget in argval):
            return True
    return False


class ModelNotRunnable(ValueError):
    """An expression in the model does not compile; validate the model first."""


@dataclass(frozen=True)
class Expr:
    """A compiled expression and a description of where it sits in the model.

    Calling it runs the compiled function directly (the hot path of every rule,
    emit, evolve and projection); only if that raises does it evaluate again through
    :meth:`CompiledExpression.evaluate`, whose error translation then gives exactly
    the usual message. Expressions are pure, so the second run fails the same way.
    """

    compiled: CompiledExpression
    what: str
    _arguments: Callable[[Mapping[str, Any]], Any] = field(init=False, repr=False, compare=False)
    _spread: bool = field(init=False, repr=False, compare=False)
    _function: Any = field(init=False, repr=False, compare=False)
    _budgeted: bool = field(init=False, repr=False, compare=False)
    #: The same as calling the expression, as a plain function made for it: the hot
    #: paths call this and save the instance call and the branches of ``__call__``.
    call: Callable[[Mapping[str, Any], dt.datetime | None], Any] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        program = self.compiled.program
        params = program.params if program else ()
        # itemgetter gives one value for one name, a tuple for several.
        arguments = operator.itemgetter(*params) if params else _no_arguments
        object.__setattr__(self, "_arguments", arguments)
        object.__setattr__(self, "_spread", len(params) != 1)
        object.__setattr__(self, "_function", program.function if program else None)
        object.__setattr__(self, "_budgeted", program is None or _reads_budget(program.function))
        object.__setattr__(self, "call", self._make_call())

    def _make_call(self) -> Callable[[Mapping[str, Any], dt.datetime | None], Any]:
        """:meth:`__call__` specialised to this expression (see ``call``)."""
        function = self._function
        if function is None:
            return self._evaluate
        arguments, evaluate = self._arguments, self._evaluate
        if self._spread and self._budgeted:

            def call(env: Mapping[str, Any], now: dt.datetime | None) -> Any:
                try:
                    return function(Budget(now), *arguments(env))
                except Exception:  # evaluated again, for the exact error
                    pass
                return evaluate(env, now)

        elif self._spread:

            def call(env: Mapping[str, Any], now: dt.datetime | None) -> Any:
                try:
                    return function(None, *arguments(env))
                except Exception:
                    pass
                return evaluate(env, now)

        elif self._budgeted:

            def call(env: Mapping[str, Any], now: dt.datetime | None) -> Any:
                try:
                    return function(Budget(now), arguments(env))
                except Exception:
                    pass
                return evaluate(env, now)

        else:

            def call(env: Mapping[str, Any], now: dt.datetime | None) -> Any:
                try:
                    return function(None, arguments(env))
                except Exception:
                    pass
                return evaluate(env, now)

        return call

    def _evaluate(self, env: Mapping[str, Any], now: dt.datetime | None) -> Any:
        """The slow path of :meth:`__call__`, whose errors name the expression."""
        try:
            return self.compiled.evaluate(env, now=now)
        except EvaluationError as error:
            raise ModelingProblem(f"{self.what}: `{self.source}` failed: {error.message}") from None

    @property
    def source(self) -> str:
        return self.compiled.source

    def __call__(self, env: Mapping[str, Any], now: dt.datetime | None) -> Any:
        function = self._function
        if function is not None:
            try:
                budget = Budget(now) if self._budgeted else None
                if self._spread:
                    return function(budget, *self._arguments(env))
                return function(budget, self._arguments(env))
            except Exception:  # evaluated again below, for the exact error
                pass
        try:
            return self.compiled.evaluate(env, now=now)
        except EvaluationError as error:
            raise ModelingProblem(f"{self.what}: `{self.source}` failed: {error.message}") from None


class Checks:
    """Expressions checked in order, for the first one that is false: a command's rules,
    an aggregate's invariants, a policy's condition.

    ``first_false(now, *roots)`` gives its index, or -1 when all hold. On first use it
    becomes one generated function (:func:`fuse_checks`) that calls the compiled
    expressions straight and, should one raise, runs the plain loop (:meth:`loop`),
    which gives the exact error; where no such function can be made, the loop itself.
    """

    __slots__ = ("_constants", "_exprs", "_roots", "first_false")

    def __init__(
        self, exprs: Sequence[Expr], roots: Sequence[str], constants: Mapping[str, Any]
    ) -> None:
        self._exprs = tuple(exprs)
        self._roots = tuple(roots)
        self._constants = constants
        self.first_false: Callable[..., int] = self._first_use if self._exprs else _all_hold

    def _first_use(self, now: dt.datetime | None, *values: Any) -> int:
        fused = fuse_checks(self._exprs, self._roots, self._constants, self.loop)
        self.first_false = fused if fused is not None else self.loop
        return self.first_false(now, *values)

    def loop(self, now: dt.datetime | None, *values: Any) -> int:
        """The index of the first expression that is false for root ``values`` (in the
        order of the roots), or -1; a failing expression raises ModelingProblem."""
        env = {**self._constants, **dict(zip(self._roots, values, strict=True))}
        for index, expr in enumerate(self._exprs):
            if not expr.call(env, now):
                return index
        return -1


def _all_hold(now: dt.datetime | None, *values: Any) -> int:
    return -1


#: Nothing to check: every call holds.
NO_CHECKS = Checks((), (), {})


@dataclass(frozen=True)
class CompiledAggregate:
    name: str
    id_field: str
    id_type: TypeRef
    state_types: dict[str, TypeRef]
    defaults: dict[str, Any]
    invariants: tuple[tuple[str, Expr], ...]
    snapshot_every: int | None
    #: The invariants' expressions as one :class:`Checks` (roots: ``state``).
    invariant_checks: Checks = field(default=NO_CHECKS, compare=False, repr=False)

    def initial_state(self) -> dict[str, Any]:
        """The state of a stream with no events: a fresh copy of the defaults."""
        return copy.deepcopy(self.defaults)


@dataclass(frozen=True)
class CompiledEmit:
    event: str
    fields: dict[str, Expr]
    when: Expr | None
    for_each: Expr | None
    loop_variable: str


@dataclass(frozen=True)
class CompiledCommand:
    name: str
    aggregate: str
    stream: StreamExpectation
    types: dict[str, TypeRef]
    rules: tuple[tuple[Expr, str, str], ...]
    emits: tuple[CompiledEmit, ...]
    #: The declared defaults of the fields that have one, converted: what input that
    #: leaves such a field out gets (a copy, see :func:`~.values.fresh_default`).
    defaults: dict[str, Any] = field(default_factory=dict)
    #: The rules' expressions as one :class:`Checks` (roots: ``command``, ``state``).
    rule_checks: Checks = field(default=NO_CHECKS, compare=False, repr=False)


@dataclass(frozen=True)
class CompiledEvent:
    name: str
    aggregate: str | None
    external: str | None
    version: int
    types: dict[str, TypeRef]
    evolve: tuple[tuple[str, Expr], ...]
    #: As :attr:`CompiledCommand.defaults`: for events given as history.
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledHandler:
    action: str
    key: tuple[Expr, ...] | None
    when: Expr | None
    assignments: dict[str, Expr]


@dataclass(frozen=True)
class CompiledProjection:
    name: str
    version: int
    key_fields: tuple[str, ...]
    types: dict[str, TypeRef]
    defaults: dict[str, Any]
    handlers: dict[str, CompiledHandler]


@dataclass(frozen=True)
class CompiledIssue:
    command: str
    fields: dict[str, Expr]
    when: Expr | None
    for_each: Expr | None
    loop_variable: str


@dataclass(frozen=True)
class CompiledPolicy:
    name: str
    kind: str  # "policy" or "translation"
    on: str
    when: Expr | None
    delay: dt.timedelta | None
    issue: tuple[CompiledIssue, ...]
    #: ``when`` as a :class:`Checks` (roots: ``event``); no ``when``: always holds.
    when_check: Checks = field(default=NO_CHECKS, compare=False, repr=False)


@dataclass
class CompiledModel:
    """Everything the simulator needs from one model, ready to run."""

    model: Model
    values: ValueTypes
    constants: dict[str, Any]
    aggregates: dict[str, CompiledAggregate] = field(default_factory=dict)
    commands: dict[str, CompiledCommand] = field(default_factory=dict)
    events: dict[str, CompiledEvent] = field(default_factory=dict)
    projections: dict[str, CompiledProjection] = field(default_factory=dict)
    policies: tuple[CompiledPolicy, ...] = ()
    _by_event: tuple[tuple[CompiledPolicy, ...], dict[str, list[CompiledPolicy]]] = field(
        default=((), {}), repr=False, compare=False
    )

    def env(self, **roots: Any) -> dict[str, Any]:
        """An evaluation environment: the constants plus the given roots."""
        env = dict(self.constants)
        env.update(roots)
        return env

    def policies_on(self, event: str) -> list[CompiledPolicy]:
        """The policies reacting to ``event``, in model order (looked up, not searched:
        this runs for every event of a run)."""
        policies, by_event = self._by_event
        if policies is not self.policies:
            by_event = {}
            for policy in self.policies:
                by_event.setdefault(policy.on, []).append(policy)
            self._by_event = (self.policies, by_event)
        return list(by_event.get(event, ()))


def compile_model(model: Model) -> CompiledModel:
    """Compile every expression and resolve every type of ``model``.

    Raises :class:`ModelNotRunnable` if an expression does not compile (the validator
    reports those with locations; the simulator only runs valid models).
    """
    values = ValueTypes(model)
    constants = constant_values(model, values)
    compiler = _Compiler(constants)
    compiled = CompiledModel(model, values, constants)
    for name, aggregate in model.aggregates.items():
        state_types = {f: parse_type(spec.type) for f, spec in aggregate.state.items()}
        invariants = tuple(
            (
                inv.name or inv.check,
                compiler.expr(
                    inv.check,
                    {"state"},
                    f"invariant '{inv.name}' of {name}" if inv.name else f"invariant of {name}",
                ),
            )
            for inv in aggregate.invariants
        )
        compiled.aggregates[name] = CompiledAggregate(
            name=name,
            id_field=aggregate.id,
            id_type=parse_type(aggregate.id_type),
            state_types=state_types,
            defaults={
                f: _default(values, spec, f"state field '{f}' of {name}")
                for f, spec in aggregate.state.items()
            },
            invariants=invariants,
            snapshot_every=aggregate.snapshot_every,
            invariant_checks=compiler.checks([expr for _, expr in invariants], ("state",)),
        )
    for name, command in model.commands.items():
        compiled.commands[name] = _command(compiler, values, name, command)
    for name, event in model.events.items():
        compiled.events[name] = _event(compiler, values, name, event)
    for name, projection in model.projections.items():
        compiled.projections[name] = _projection(compiler, values, name, projection)
    compiled.policies = tuple(
        _policy(compiler, name, policy, kind)
        for kind, section in (("policy", model.policies), ("translation", model.translations))
        for name, policy in section.items()
    )
    return compiled


def constant_values(model: Model, values: ValueTypes) -> dict[str, Any]:
    """The model's constants as runtime values (typed ones converted by their type)."""
    out: dict[str, Any] = {}
    for name, constant in model.constants.items():
        t = parse_type(constant.type) if constant.type else TypeRef("any")
        try:
            out[name] = values.convert(constant.value, t, where=f"constant {name}")
        except ValueConversionError as error:
            raise ModelNotRunnable(str(error)) from None
    return out


def _declared_defaults(values: ValueTypes, fields: Fields, owner: str) -> dict[str, Any]:
    """The converted defaults of the fields that declare one (``default: null`` too):
    only those may be left out of input; the others keep their "needs field" error."""
    return {
        f: _default(values, spec, f"field '{f}' of {owner}")
        for f, spec in fields.items()
        if spec.has_default
    }


def _default(values: ValueTypes, spec: Any, where: str) -> Any:
    try:
        return values.default(spec)
    except ValueConversionError as error:
        raise ModelNotRunnable(f"{where}: {error}") from None


class _Compiler:
    def __init__(self, constants: Mapping[str, Any]) -> None:
        self.constants = frozenset(constants)
        self.constant_values = constants

    def checks(self, exprs: Sequence[Expr], roots: Sequence[str]) -> Checks:
        return Checks(exprs, roots, self.constant_values) if exprs else NO_CHECKS

    def expr(self, source: str, roots: set[str], what: str) -> Expr:
        try:
            return Expr(compile_expression(source, self.constants | roots), what)
        except ExpressionError as error:
            raise ModelNotRunnable(f"{what}: `{source}`: {error.message}") from None

    def maybe(self, source: str | None, roots: set[str], what: str) -> Expr | None:
        return None if source is None else self.expr(source, roots, what)


def _command(c: _Compiler, values: ValueTypes, name: str, command: Command) -> CompiledCommand:
    roots = {"command", "state"}
    emits = []
    for index, emit in enumerate(command.emits, start=1):
        what = f"emit {index} ({emit.event}) of command '{name}'"
        inner = roots | {emit.as_} if emit.for_each is not None else roots
        emits.append(
            CompiledEmit(
                event=emit.event,
                fields={
                    f: c.expr(src, inner, f"field '{f}' of {what}")
                    for f, src in emit.fields.items()
                },
                when=c.maybe(emit.when, inner, f"condition of {what}"),
                for_each=c.maybe(emit.for_each, roots, f"for_each of {what}"),
                loop_variable=emit.as_,
            )
        )
    rules = tuple(
        (c.expr(rule.require, roots, f"rule {i} of command '{name}'"), rule.error, rule.message)
        for i, rule in enumerate(command.rules, start=1)
    )
    return CompiledCommand(
        name=name,
        aggregate=command.aggregate,
        stream=command.stream,
        types={f: parse_type(spec.type) for f, spec in command.fields.items()},
        rules=rules,
        emits=tuple(emits),
        defaults=_declared_defaults(values, command.fields, f"command '{name}'"),
        rule_checks=c.checks([require for require, _, _ in rules], ("command", "state")),
    )


def _event(c: _Compiler, values: ValueTypes, name: str, event: Event) -> CompiledEvent:
    return CompiledEvent(
        name=name,
        aggregate=event.aggregate,
        external=event.external,
        version=event.version,
        types={f: parse_type(spec.type) for f, spec in event.fields.items()},
        evolve=tuple(
            (f, c.expr(src, {"state", "event"}, f"evolve '{f}' of event '{name}'"))
            for f, src in event.evolve.items()
        ),
        defaults=_declared_defaults(values, event.fields, f"event '{name}'"),
    )


def _projection(
    c: _Compiler, values: ValueTypes, name: str, projection: Projection
) -> CompiledProjection:
    handlers = {}
    for event_name, handler in projection.on.items():
        what = f"handler of '{event_name}' in projection '{name}'"
        key = None
        if handler.key is not None:
            sources = (handler.key,) if isinstance(handler.key, str) else handler.key
            key = tuple(c.expr(src, {"event"}, f"key of {what}") for src in sources)
        handlers[event_name] = CompiledHandler(
            action=handler.action,
            key=key,
            when=c.maybe(handler.when, {"event", "row"}, f"condition of {what}"),
            assignments={
                f: c.expr(src, {"event", "row"}, f"field '{f}' of {what}")
                for f, src in handler.assignments.items()
            },
        )
    return CompiledProjection(
        name=name,
        version=projection.version,
        key_fields=projection.key_fields,
        types={f: parse_type(spec.type) for f, spec in projection.fields.items()},
        defaults={
            f: _default(values, spec, f"field '{f}' of projection '{name}'")
            for f, spec in projection.fields.items()
        },
        handlers=handlers,
    )


def _policy(c: _Compiler, name: str, policy: Policy, kind: str) -> CompiledPolicy:
    issues = []
    for index, issued in enumerate(policy.issue, start=1):
        what = f"issue {index} ({issued.command}) of {kind} '{name}'"
        inner = {"event", issued.as_} if issued.for_each is not None else {"event"}
        issues.append(
            CompiledIssue(
                command=issued.command,
                fields={
                    f: c.expr(src, inner, f"field '{f}' of {what}")
                    for f, src in issued.fields.items()
                },
                when=c.maybe(issued.when, inner, f"condition of {what}"),
                for_each=c.maybe(issued.for_each, {"event"}, f"for_each of {what}"),
                loop_variable=issued.as_,
            )
        )
    when = c.maybe(policy.when, {"event"}, f"condition of {kind} '{name}'")
    return CompiledPolicy(
        name=name,
        kind=kind,
        on=policy.on,
        when=when,
        delay=parse_duration(policy.after) if policy.after else None,
        issue=tuple(issues),
        when_check=c.checks([when] if when is not None else [], ("event",)),
    )


def _call_source(
    index: int,
    expr: Expr,
    root_names: Mapping[str, str],
    constants: Mapping[str, Any],
    namespace: dict[str, Any],
) -> str | None:
    """``callN(budget, args...)`` for ``expr``, its function and constants bound in
    ``namespace``; ``None`` if it has no compiled function or reads another name."""
    function = expr._function
    program = expr.compiled.program
    if function is None or program is None:
        return None
    arguments = ["Budget(now)" if expr._budgeted else "None"]
    for j, param in enumerate(program.params):
        if param in root_names:
            arguments.append(root_names[param])
        elif param in constants:
            namespace[f"const{index}_{j}"] = constants[param]
            arguments.append(f"const{index}_{j}")
        else:
            return None
    namespace[f"call{index}"] = function
    return f"call{index}({', '.join(arguments)})"


def fuse_checks(
    exprs: Sequence[Expr],
    roots: Sequence[str],
    constants: Mapping[str, Any],
    fallback: Callable[..., int],
) -> Callable[..., int] | None:
    """One generated function ``(now, *roots)`` giving the index of the first of
    ``exprs`` that is false, or -1: rules in order, invariants. As
    :func:`fuse_assignments`, it decides nothing itself: if an expression raises it
    returns ``fallback(now, *roots)`` (the plain loop, which gives the exact error).
    ``None`` where it cannot be made."""
    namespace: dict[str, Any] = {"Budget": Budget, "fallback": fallback}
    root_names = {name: f"root{i}" for i, name in enumerate(roots)}
    arguments = ", ".join(["now", *root_names.values()])
    lines = [f"def fused({arguments}):", "    try:"]
    for i, expr in enumerate(exprs):
        call = _call_source(i, expr, root_names, constants, namespace)
        if call is None:
            return None
        lines += [f"        if not {call}:", f"            return {i}"]
    lines += ["        return -1", "    except Exception:", f"        return fallback({arguments})"]
    exec("\n".join(lines), namespace)  # our own source: names are bound above
    fused: Callable[..., int] = namespace["fused"]
    return fused


def fuse_assignments(
    assignments: Sequence[tuple[str, Expr, Callable[[Any], Any]]],
    roots: Sequence[str],
    constants: Mapping[str, Any],
) -> Callable[..., dict[str, Any]] | None:
    """One generated function doing what a loop over ``assignments`` does, or ``None``.

    ``fused(base, *roots, now)`` copies ``base`` and sets each field to its expression's
    compiled function, called straight with the roots and constants it reads, its
    result put through the field's fast converter. The loop builds an environment
    dict, looks each expression's names up in it and goes through a wrapper per
    expression; for the simulator's busiest step (an event's ``evolve``, once per
    event and again on every replay) that is half the work. The function takes no
    decisions of its own: whatever it cannot do plainly (an expression raising, a
    value its converter misses) raises, and the caller runs the loop instead, which
    gives the exact error. ``None`` when an expression has no compiled function or
    reads a name that is neither a root nor a constant.

    Field and root names never reach the generated source: it refers to them through
    the namespace it runs in (``key0``, ``root0``...), whatever the model calls them.
    """
    namespace: dict[str, Any] = {"Budget": Budget}
    root_names = {name: f"root{i}" for i, name in enumerate(roots)}
    lines = [
        "def fused(base, " + ", ".join(root_names.values()) + ", now):",
        "    new = dict(base)",
    ]
    for i, (field_name, expr, fast) in enumerate(assignments):
        call = _call_source(i, expr, root_names, constants, namespace)
        if call is None:
            return None
        namespace[f"key{i}"], namespace[f"fast{i}"] = field_name, fast
        lines.append(f"    new[key{i}] = fast{i}({call})")
    lines.append("    return new")
    exec("\n".join(lines), namespace)
    fused: Callable[..., dict[str, Any]] = namespace["fused"]
    return fused


def convert_result(values: ValueTypes, value: Any, t: TypeRef, where: str) -> Any:
    """An expression's result as a value of its field's type, or a :class:`ModelingProblem`."""
    try:
        return values.convert(value, t, where=where)
    except ValueConversionError as error:
        raise ModelingProblem(str(error)) from None
