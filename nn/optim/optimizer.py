"""The optimizer base: parameter groups, each with its own settings, their state, ``step`` and ``state_dict``.

As in ``torch.optim``, an optimizer is a list of parameter groups (``param_groups``): dicts of
"params" (a tuple of Values, fixed: the state is kept by position in it, so more parameters
come in a new group, ``add_param_group``) and the settings that group uses (lr, ...). A
subclass writes its update rule once, in ``_update``, as numpy arithmetic on one group's flat
float arrays (data, grad and the state arrays); ``step`` gathers those arrays from the
Values and scatters the new data back (``nn.optim.flat``). numpy's elementwise operations
round like Python's float ones, so each rule, written in the order torch.optim evaluates it,
gives the same float64 bits as the scalar formula.

The rules work in place, as torch.optim's do: the new numbers are written into ``data``, the
state arrays are updated where they lie, and temporaries come from work arrays kept between
steps. While a tape keeps the parameters in arrays, ``data`` is a view of them, so a step
writes nothing twice; at 100,000 parameters fresh temporaries and a copy back cost more than
the arithmetic (docs/speed.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np

from autograd import Value, enable_grad

from .flat import FloatArray, GroupArrays
from .settings import Check, learning_rate

GroupState = dict[str, Any]
Loss = TypeVar("Loss")  # what a closure given to step returns (a Value, a float)


class ParamGroup(dict[str, Any]):
    """One parameter group: "params" and the optimizer's settings; setting one checks its value."""

    def __init__(self, checks: Mapping[str, Check], where: str) -> None:
        super().__init__()
        self._checks = checks
        self._where = where

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "params":
            raise TypeError(
                f"{self._where}a group's params are fixed once the optimizer has them (its state "
                "is kept by position): add_param_group adds parameters, or make a new optimizer"
            )
        check = self._checks.get(key)
        if check is None:
            known = ", ".join(map(repr, self._checks))
            raise KeyError(f"{self._where}{key!r} is not a setting of this optimizer ({known})")
        try:
            value = check(key, value)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{self._where}{error}") from None
        super().__setitem__(key, value)

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        # A copy (copy.deepcopy, pickle) is a plain dict: a snapshot, no longer tied to the optimizer.
        return dict, (dict(self),)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def lerp_into(start: FloatArray, end: FloatArray, weight: float, work: FloatArray) -> None:
    """start = start + weight (end - start), in place, in the two forms torch.lerp uses (the
    second, end - (end - start) (1 - weight), for weight >= 0.5); ``work`` is overwritten."""
    np.subtract(end, start, out=work)
    if abs(weight) < 0.5:
        work *= weight
        start += work
    else:
        work *= 1.0 - weight
        np.subtract(end, work, out=start)


def _match_precision(state: GroupState, data: FloatArray) -> None:
    """Keep a group's state arrays in its parameters' dtype, as torch.optim does: float32 moments
    for parameters a tape keeps in float32, float64 again once they are plain Values."""
    for name, value in state.items():
        if isinstance(value, np.ndarray) and value.dtype != data.dtype:
            state[name] = value.astype(data.dtype)


def with_weight_decay(grads: FloatArray, data: FloatArray, group: ParamGroup) -> FloatArray:
    """The gradient with L2 weight decay folded in, g + weight_decay * p, as torch's ``weight_decay``."""
    weight_decay: float = group["weight_decay"]
    return grads + weight_decay * data if weight_decay else grads


class Optimizer:
    """Holds parameter groups and their state; ``step()`` moves every parameter from its ``.grad``."""

    # Each setting's check; subclasses add theirs to the learning rate.
    _checks: ClassVar[dict[str, Check]] = {"lr": learning_rate}
    # State arrays that are sums of squares: a saved negative one would give NaN at the next step.
    _squares: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, params: Iterable[Value] | Iterable[dict[str, Any]], defaults: dict[str, Any]
    ) -> None:
        self.defaults = {name: self._checks[name](name, value) for name, value in defaults.items()}
        self.param_groups: list[ParamGroup] = []
        self._states: list[GroupState] = []
        self._group_arrays: dict[int, GroupArrays] = {}
        self._group_of: dict[int, int] = {}
        self._work_arrays: dict[tuple[int, np.dtype], list[FloatArray]] = {}
        # Each group's lr before the first schedule made on this optimizer (nn.schedules): the
        # "base_lrs" of every schedule after it, as torch's "initial_lr".
        self.initial_lrs: list[float] = []
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(
                f"{type(self).__name__} takes the parameters to train, not the "
                f"{type(params).__name__} itself: pass model.parameters()"
            )
        given = list(params)
        self._named_groups = any(isinstance(item, dict) for item in given)
        if self._named_groups:
            for position, group in enumerate(given):
                if not isinstance(group, dict):
                    raise TypeError(
                        f"param_groups[{position}] is {type(group).__name__}; give either Values or dicts of "
                        '"params" and settings, not both'
                    )
                self.add_param_group(group)
        else:
            self.add_param_group({"params": given})
        if not self._group_of:
            raise ValueError("optimizer got no parameters")

    def __getstate__(self) -> dict[str, Any]:
        """A copy (pickle, ``copy.deepcopy``) leaves the array caches behind: they may hold a
        tape's storage (a class made at run time, which pickle refuses); they are made again
        for the copy's own parameters."""
        state = self.__dict__.copy()
        state["_group_arrays"], state["_work_arrays"] = {}, {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """The copy's groups check their settings again (a group is copied as a plain dict),
        and its parameters are indexed by their own identities."""
        self.__dict__.update(state)
        self._group_of = {}
        for index, copied in enumerate(self.param_groups):
            group = ParamGroup(
                self._checks, f"param_groups[{index}]: " if self._named_groups else ""
            )
            for name, value in copied.items():
                dict.__setitem__(group, name, value)  # checked when they were set
            self.param_groups[index] = group
            self._group_of.update(dict.fromkeys(map(id, group["params"]), index))

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group: ``{"params": [...], setting: value, ...}``; settings left out take the defaults."""
        index = len(self.param_groups)
        where = f"param_groups[{index}]: " if self._named_groups else ""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f'{where}a parameter group is a dict with a "params" list')
        members = group["params"]
        members = [members] if isinstance(members, Value) else list(members)
        unique: dict[int, Value] = {}
        for position, p in enumerate(members):
            if not isinstance(p, Value):
                raise TypeError(f"{where}parameter {position} is {type(p).__name__}, not a Value")
            if not p.is_leaf:  # its number is remade from its inputs; a step would be lost
                raise ValueError(
                    f"{where}parameter {position} is computed from other Values ({p!r}), not a "
                    "leaf; give the optimizer the Values it is computed from"
                )
            if self._group_of.get(id(p), index) != index:
                raise ValueError(
                    f"{where}parameter {position} is already in param_groups[{self._group_of[id(p)]}]"
                )
            unique.setdefault(id(p), p)  # a parameter listed twice is updated once
        new = ParamGroup(self._checks, where)
        for name, value in group.items():
            if name != "params":
                new[name] = value
        for name, value in self.defaults.items():
            if name not in new:
                new[name] = value
        self._check_group(new, where)
        # a tuple: a parameter swapped or removed in place would take another's state
        dict.__setitem__(new, "params", tuple(unique.values()))
        self._group_of.update(dict.fromkeys(unique, index))
        self.param_groups.append(new)
        self._states.append({})

    def _check_group(self, settings: Mapping[str, Any], where: str) -> None:
        """Rules that tie settings together (none here)."""

    @property
    def params(self) -> list[Value]:
        """Every parameter, group by group."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def lr(self) -> float:
        """The learning rate of every group (an error if the groups have different ones)."""
        rates = {group["lr"] for group in self.param_groups}
        if len(rates) != 1:
            raise ValueError(
                "the parameter groups have different learning rates; read param_groups[i]['lr']"
            )
        rate: float = rates.pop()
        return rate

    @lr.setter
    def lr(self, value: float) -> None:
        value = learning_rate("lr", value)
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to 0.0 before the next backward pass (``set_to_none``
        is taken for code written for PyTorch, with the same effect: see ``Module.zero_grad``)."""
        del set_to_none
        for group in self.param_groups:
            self._arrays_of(group).zero_grads()

    def _arrays_of(self, group: ParamGroup) -> GroupArrays:
        """The group's parameters as flat arrays (made once: the group's params are a tuple)."""
        params = group["params"]
        arrays = self._group_arrays.get(id(group))
        if arrays is None or arrays.source is not params:
            arrays = self._group_arrays[id(group)] = GroupArrays(params)
        return arrays

    def step(self, closure: Callable[[], Loss] | None = None) -> Loss | None:
        """Update every parameter's ``.data`` from its ``.grad``, group by group.

        ``closure``, as in torch.optim: a function that zeroes the gradients, computes the loss,
        calls its backward and returns it; it is called first (with gradients recorded), and
        its loss is returned (None without one)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step()
        return loss

    def _step(self) -> None:
        """``step``'s update, from the gradients as they are."""
        # As with Python floats, overflow gives inf, inf - inf gives nan and underflow gives 0,
        # silently, whatever np.seterr says: the rules work in place, so one that raised midway
        # would leave its parameters and state half updated.
        with np.errstate(all="ignore"):
            for index, (group, state) in enumerate(zip(self.param_groups, self._states)):
                if not group["params"]:
                    continue
                arrays = self._arrays_of(group)
                try:
                    data, grads = arrays.gather()
                except TypeError as error:  # nothing of this group changed; earlier groups stepped
                    stepped = " (the groups before it were updated)" if index else ""
                    where = (
                        f"param_groups[{index}]{stepped}, " if len(self.param_groups) > 1 else ""
                    )
                    raise TypeError(f"{type(self).__name__}.step: {where}{error}") from None
                _match_precision(state, data)
                returned: object = self._update(data, grads, group, state)  # type: ignore[func-returns-value]
                if returned is not None:
                    raise TypeError(
                        f"{type(self).__name__}._update returned a value: it should write the "
                        "new numbers into data, in place, and return None"
                    )
                arrays.scatter(data)

    def _update(
        self, data: FloatArray, grads: FloatArray, group: ParamGroup, state: GroupState
    ) -> None:
        """Write the group's new numbers into ``data`` from its grads and settings; update
        ``state`` (empty at first) in place.

        ``data`` may be a view of the parameters' storage; ``grads`` is read-only and may be
        one too, so anything kept in ``state`` must be a new array, never ``grads`` itself.
        """
        raise NotImplementedError

    def _work(self, like: FloatArray, count: int) -> list[FloatArray]:
        """``count`` scratch arrays of ``like``'s length and dtype, kept between steps (an update
        rule's temporaries: fresh ones of 100,000 entries cost page faults every step)."""
        arrays = self._work_arrays.setdefault((len(like), like.dtype), [])
        while len(arrays) < count:
            arrays.append(np.empty(len(like), like.dtype))
        return arrays[:count]

    def _count_step(self, data: FloatArray, group: ParamGroup, state: GroupState) -> int:
        """Count this step (from 1); on the first, start the group's state arrays at zeros."""
        if not state:
            state["step"] = 0
            state.update({name: np.zeros_like(data) for name in self._state_names(group)[1:]})
        state["step"] += 1
        step: int = state["step"]
        return step

    def _state_names(self, settings: Mapping[str, Any]) -> tuple[str, ...]:
        """The names of a group's state once it has stepped: "step" (if counted), then its arrays."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {position: {name: number}}, "param_groups": [{settings, "params": [positions]}]}``.

        Plain Python numbers, as torch.optim lays it out: parameters are numbered group by group,
        and a parameter has state only once its group has stepped.
        """
        state: dict[int, dict[str, Any]] = {}
        groups = []
        start = 0
        for group, group_state in zip(self.param_groups, self._states):
            positions = list(range(start, start + len(group["params"])))
            settings = {name: value for name, value in group.items() if name != "params"}
            groups.append({**settings, "params": positions})
            for i, position in enumerate(positions):
                if group_state:
                    state[position] = {
                        name: value if name == "step" else float(value[i])
                        for name, value in group_state.items()
                    }
            start += len(positions)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Take settings and state from ``state_dict`` (as ``state_dict()`` gives them); all checked first,
        so a bad one raises ``ValueError`` naming the problem and changes nothing."""
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError('an optimizer state has exactly the keys "state" and "param_groups"')
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, list) or len(saved_groups) != len(self.param_groups):
            count = len(saved_groups) if isinstance(saved_groups, list) else "no list of"
            raise ValueError(
                f"the state has {count} parameter groups, this optimizer {len(self.param_groups)}"
            )
        if not isinstance(saved_state, Mapping):
            raise ValueError('"state" should map parameter positions to their state')
        saved_state = _positions_as_ints(saved_state)
        total = len(self.params)
        for position in saved_state:
            if (
                isinstance(position, bool)
                or not isinstance(position, int)
                or not 0 <= position < total
            ):
                raise ValueError(
                    f"state for parameter {position!r}, but the optimizer has parameters 0 to {total - 1}"
                )
        new_settings, new_states = [], []
        start = 0
        for index, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            where = f"param_groups[{index}]"
            settings = self._loaded_settings(saved, group, start, where)
            size = len(group["params"])
            new_settings.append(settings)
            new_states.append(
                self._loaded_state(saved_state, range(start, start + size), settings, where)
            )
            start += size
        for group, settings in zip(self.param_groups, new_settings):
            group.update(settings)
        self._states = new_states

    def _loaded_settings(
        self, saved: Any, group: ParamGroup, start: int, where: str
    ) -> dict[str, Any]:
        if not isinstance(saved, Mapping):
            raise ValueError(f"{where} should be an object of settings and params")
        if set(saved) != set(group):
            raise ValueError(
                f"{where} has the keys {sorted(saved)}, this optimizer's groups {sorted(group)}"
            )
        size = len(group["params"])
        if saved["params"] != list(range(start, start + size)):
            raise ValueError(
                f"{where} should hold parameters {start} to {start + size - 1} "
                f"(this optimizer's group has {size})"
            )
        settings = {}
        for name, value in saved.items():
            if name != "params":
                try:
                    settings[name] = self._checks[name](name, value)
                except (TypeError, ValueError) as error:
                    raise ValueError(f"{where}: {error}") from None
        self._check_group(settings, f"{where}: ")
        return settings

    def _loaded_state(
        self,
        saved_state: Mapping[int, Any],
        positions: range,
        settings: Mapping[str, Any],
        where: str,
    ) -> GroupState:
        present = [position in saved_state for position in positions]
        if not any(present):
            return {}
        if not all(present):
            missing = positions[present.index(False)]
            raise ValueError(
                f"{where} has state for some parameters but not for parameter {missing}"
            )
        names = self._state_names(settings)
        columns: dict[str, list[float]] = {name: [] for name in names if name != "step"}
        steps = set()
        for position in positions:
            entry = saved_state[position]
            if not isinstance(entry, Mapping) or set(entry) != set(names):
                found = sorted(entry) if isinstance(entry, Mapping) else type(entry).__name__
                raise ValueError(
                    f"state of parameter {position} should hold {list(names)}, not {found}"
                )
            for name in names:
                value = entry[name]
                if name == "step":
                    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                        raise ValueError(
                            f"state of parameter {position}: step should be an int >= 1, not {value!r}"
                        )
                    steps.add(value)
                elif isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(
                        f"state of parameter {position}: {name} should be a number, not {value!r}"
                    )
                elif name in self._squares and not value >= 0:
                    raise ValueError(
                        f"state of parameter {position}: {name} is a sum of squares, so it should "
                        f"be >= 0, not {value!r}"
                    )
                else:
                    columns[name].append(float(value))
        if len(steps) > 1:
            raise ValueError(
                f"{where}: its parameters should share one step count, not {sorted(steps)}"
            )
        state: GroupState = {"step": steps.pop()} if steps else {}
        state.update({name: np.array(column) for name, column in columns.items()})
        return state


def is_position_key(key: str) -> bool:
    """Whether ``key`` is a position as JSON writes one: "0", "17", never "01" or "+1"."""
    return key.isascii() and key.isdigit() and key == str(int(key))


def _positions_as_ints(saved_state: Mapping[Any, Any]) -> dict[Any, Any]:
    """``saved_state`` with keys written as decimal text (what JSON makes of int keys: "0",
    "1", ...) read as the parameter positions they were; other keys are left for the checks."""
    state = {
        int(key) if isinstance(key, str) and is_position_key(key) else key: entry
        for key, entry in saved_state.items()
    }
    if len(state) != len(saved_state):
        raise ValueError('"state" names a parameter position twice, as a number and as text')
    return state
