"""Read a SAM template: YAML with CloudFormation tags, Globals, and intrinsic functions.

The local runtime keeps no list of resources of its own: everything it creates, routes,
polls and fires comes from what this module reads out of `template.yaml`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
NO_VALUE = object()  # AWS::NoValue: the key is dropped


class TemplateError(ValueError):
    """The template uses something the local runtime cannot honour."""


# ------------------------------------------------------------------ YAML with CFN tags
class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str) -> Callable[[yaml.Loader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


CFN_FUNCTIONS = (
    "Base64 Cidr FindInMap GetAtt GetAZs ImportValue Join Select Split Sub Transform "
    "And Equals If Not Or"
)
for _short in CFN_FUNCTIONS.split():
    _CfnLoader.add_constructor(f"!{_short}", _tag(f"Fn::{_short}"))
_CfnLoader.add_constructor("!Ref", _tag("Ref"))
_CfnLoader.add_constructor("!Condition", _tag("Condition"))


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)


# ------------------------------------------------------------------ intrinsic functions
@dataclass
class Resolver:
    """Evaluates intrinsic functions against parameter values and created resources.

    `refs[logical_id]` is what `!Ref` gives, `attrs[logical_id][name]` what `!GetAtt` gives.
    """

    parameters: dict[str, str]
    refs: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    stack_name: str = "sync-bridge-local"

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::NoValue": NO_VALUE,
        }[name]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"!Ref {name}: no such parameter or resource (yet)")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.attrs[logical_id][attribute]
        except KeyError:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute} is not known locally") from None

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated (AWS::NoValue keys dropped)."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                return handler(arg)
        out = {}
        for k, v in value.items():
            resolved = self.resolve(v)
            if resolved is not NO_VALUE:
                out[k] = resolved
        return out

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": lambda a: self.ref(self.resolve(a)),
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": lambda a: str(self.resolve(a[0])).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(self.resolve(a[0])),
            "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": self.condition,
            "Fn::Base64": lambda a: (
                __import__("base64").b64encode(str(self.resolve(a)).encode()).decode()
            ),
        }

    def _fn_get_att(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        return self.get_att(arg[0], arg[1])

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", substitute, text)


def references(value: Any) -> set[str]:
    """Logical ids (or parameter names) that `value` refers to through intrinsics."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if isinstance(parts[0], str):
                    found.add(parts[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                if isinstance(text, str):
                    for name in re.findall(r"\$\{([^}!]+)\}", text):
                        found.add(name.split(".", 1)[0])
                if isinstance(arg, list) and len(arg) > 1:
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return {f for f in found if not f.startswith("AWS::")}


# ------------------------------------------------------------------ the template model
@dataclass(frozen=True)
class Template:
    """A parsed SAM template and the directory its relative paths start from."""

    path: Path
    body: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> Template:
        path = Path(path).resolve()
        body = load_yaml(path)
        if not isinstance(body, dict) or "Resources" not in body:
            raise TemplateError(f"{path} is not a CloudFormation/SAM template")
        return cls(path=path, body=body)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body.get("Resources", {})

    @property
    def conditions(self) -> dict[str, Any]:
        return self.body.get("Conditions", {})

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    def parameter_values(self, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Each parameter's override or default, as the string CloudFormation would pass."""
        overrides = dict(overrides or {})
        values = {}
        for name, spec in self.body.get("Parameters", {}).items():
            if name in overrides:
                value = overrides.pop(name)
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no default: pass an override")
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            values[name] = str(value)
        if overrides:
            raise TemplateError(f"unknown template parameters: {', '.join(sorted(overrides))}")
        return values

    def function_properties(self, logical_id: str) -> dict[str, Any]:
        """A function's properties with `Globals.Function` merged in the way SAM merges them."""
        merged = copy.deepcopy(self.body.get("Globals", {}).get("Function", {}))
        own = copy.deepcopy(self.resources[logical_id].get("Properties", {}))
        for key, value in own.items():
            if key == "Environment":
                variables = merged.get("Environment", {}).get("Variables", {})
                variables.update(value.get("Variables", {}))
                merged["Environment"] = {"Variables": variables}
            elif key == "Layers" and isinstance(value, list):
                merged["Layers"] = [*merged.get("Layers", []), *value]
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return merged

    def api_properties(self, logical_id: str) -> dict[str, Any]:
        merged = copy.deepcopy(self.body.get("Globals", {}).get("Api", {}))
        merged.update(copy.deepcopy(self.resources.get(logical_id, {}).get("Properties", {})))
        return merged


def dump_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
