"""Reading SAM templates: CloudFormation tags, intrinsic functions, Globals, parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncbridge_local.template import Resolver, Template, TemplateError, load_yaml, references

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
  Size: {Type: Number, Default: 512}
  Required: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Timeout: 30
    Layers: [!Ref SharedLayer]
    Environment:
      Variables: {STAGE: !Ref Stage, TABLE: !Ref Table}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 900
      Layers: [!Ref NumpyLayer]
      Environment:
        Variables: {OWN: !Sub "${Stage}-${Table.Arn}-${AWS::Region}"}
  Table: {Type: AWS::DynamoDB::Table}
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return Template.load(path)


def test_short_form_tags_become_intrinsic_functions(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a: !Ref X\nb: !GetAtt Q.Arn\nc: !Sub 'x-${Y}'\nd: !Join [',', [!Ref X, b]]\n")
    assert load_yaml(path) == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["Q", "Arn"]},
        "c": {"Fn::Sub": "x-${Y}"},
        "d": {"Fn::Join": [",", [{"Ref": "X"}, "b"]]},
    }


def test_globals_merge_like_sam(template: Template) -> None:
    props = template.function_properties("Fn")
    assert props["Timeout"] == 900  # the function's own value wins
    assert props["Layers"] == [{"Ref": "SharedLayer"}, {"Ref": "NumpyLayer"}]  # appended
    assert set(props["Environment"]["Variables"]) == {"STAGE", "TABLE", "OWN"}


def test_parameters_take_overrides_then_defaults_as_strings(template: Template) -> None:
    values = template.parameter_values({"Required": "x", "Stage": "prod"})
    assert values == {"Stage": "prod", "Size": "512", "Required": "x"}
    with pytest.raises(TemplateError, match="Required"):
        template.parameter_values({})
    with pytest.raises(TemplateError, match="unknown"):
        template.parameter_values({"Required": "x", "Typo": "1"})


def test_resolver_evaluates_ref_getatt_sub_join_select_if() -> None:
    resolver = Resolver(
        parameters={"Stage": "dev"},
        refs={"Table": "t-name"},
        attrs={"Table": {"Arn": "arn:t"}},
        conditions={"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    )
    assert resolver.resolve({"Ref": "Table"}) == "t-name"
    assert resolver.resolve({"Fn::GetAtt": ["Table", "Arn"]}) == "arn:t"
    assert resolver.resolve({"Fn::Sub": "${Stage}/${Table.Arn}/${AWS::Region}/${!Literal}"}) == (
        "dev/arn:t/us-east-1/${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${A}-${Stage}", {"A": {"Ref": "Table"}}]}) == "t-name-dev"
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-dev"
    assert resolver.resolve({"Fn::Select": [1, ["a", "b"]]}) == "b"
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert resolver.resolve({"k": {"Ref": "AWS::NoValue"}, "j": 1}) == {"j": 1}


def test_unknown_references_fail_clearly() -> None:
    with pytest.raises(TemplateError, match="Nope"):
        Resolver(parameters={}).resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError, match=r"Q\.Arn"):
        Resolver(parameters={}).resolve({"Fn::GetAtt": "Q.Arn"})


def test_references_finds_dependencies_in_ref_getatt_and_sub() -> None:
    value = {
        "a": {"Ref": "A"},
        "b": [{"Fn::GetAtt": ["B", "Arn"]}],
        "c": {"Fn::Sub": "${C.Arn}-${Param}-${AWS::Region}-${!x}"},
    }
    assert references(value) == {"A", "B", "C", "Param"}


def test_the_product_template_loads() -> None:
    template = Template.load(Path(__file__).resolve().parents[3] / "template.yaml")
    assert template.of_type("AWS::Serverless::Function")
    assert "ImportQueue" in template.of_type("AWS::SQS::Queue")
