"""The loader's wording, one rule at a time: each kind of validation error gets its own sentence with the value and
the fix, YAML errors name the line, and a field's path names list items by their name."""

from types import SimpleNamespace

import pytest
import yaml

from kafka_platform.config import loader
from kafka_platform.config.model import Environment, Topic


def item(kind, value="x", loc=("kafka", "broker_count"), **extra):
    return {"type": kind, "input": value, "loc": loc, "msg": extra.pop("msg", "pydantic's own words"), **extra}


@pytest.mark.parametrize("kind, value, ctx, expected", [
    ("missing", None, None, "is missing; add it (it has no default)"),
    ("int_type", None, None, "is empty; give it a value or remove the key"),
    ("string_type", 3.6, None, '3.6 is not text; quote it: "3.6"'),
    ("int_type", "six", None, '"six" is not a whole number; write a number without quotes, such as 3'),
    ("int_from_float", 2.5, None, "2.5 is not a whole number; write a number without quotes, such as 3"),
    ("int_parsing", "6x", None, '"6x" is not a whole number; write a number without quotes, such as 3'),
    ("bool_type", "yes", None, '"yes" is not true or false; write true or false without quotes'),
    ("literal_error", "keep", {"expected": "'retain' or 'destroy'"},
     "\"keep\" is not allowed; use one of 'retain' or 'destroy'"),
    ("literal_error", "keep", None, '"keep" is not allowed; use one of '),
    ("greater_than_equal", 0, {"ge": 1}, "0 is below the minimum 1; use 1 or more"),
    ("greater_than", 0, {"gt": 0}, "0 is below the minimum 0; use 0 or more"),
    ("less_than_equal", 99, {"le": 30}, "99 is above the maximum 30; use 30 or less"),
    ("less_than", 99, {"lt": 50}, "99 is above the maximum 50; use 50 or less"),
    ("list_type", "a", None, "\"a\" is not a list; write one '- item' per line under the key"),
    ("dict_type", 3, None, "3 is not a mapping; write key: value pairs indented under the key"),
    ("model_type", [1], None, "[1] is not a mapping; write key: value pairs indented under the key"),
    ("model_attributes_type", "a", None, '"a" is not a mapping; write key: value pairs indented under the key'),
    ("value_error", "a", {"error": ValueError("the rule's own sentence")}, "the rule's own sentence"),
    ("value_error", "a", None, "pydantic's own words"),
    ("float_parsing", "fast", None, '"fast": pydantic\'s own words'),
])
def test_each_kind_of_validation_error_has_its_sentence(kind, value, ctx, expected):
    extra = {"ctx": ctx} if ctx is not None else {}
    assert loader._message(item(kind, value, **extra), ("kafka", "broker_count")) == expected


def test_an_unknown_key_lists_the_allowed_ones_and_suggests_the_closest():
    loc = ("kafka", "brokr_count")
    message = loader._message(item("extra_forbidden", 3, loc), loc)
    allowed = sorted(Environment.model_fields["kafka"].annotation.model_fields)
    assert loader._allowed_keys(("kafka",)) == allowed
    assert message == f"is not a known key; did you mean broker_count? allowed here: {', '.join(allowed)}"
    assert "broker_count" in allowed and allowed == sorted(allowed)


def test_an_unknown_key_far_from_any_gets_no_suggestion():
    loc = ("kafka", "zzzzzz")
    assert loader._message(item("extra_forbidden", 3, loc), loc).startswith("is not a known key; allowed here: ")


def test_allowed_keys_follow_lists_and_optional_models():
    assert loader._allowed_keys(()) == sorted(Environment.model_fields)
    assert loader._allowed_keys(("kafka", "topics", 2)) == sorted(Topic.model_fields)
    assert loader._allowed_keys(("kafka", "broker_count")) == []  # not a model
    assert loader._allowed_keys(("nothing",)) == []


def test_inner_model_unwraps_optional_list_and_dict():
    assert loader._inner_model(Topic | None) is Topic
    assert loader._inner_model(list[Topic]) is Topic
    assert loader._inner_model(dict[str, Topic]) is Topic
    assert loader._inner_model(list[int]) is None
    assert loader._inner_model(int) is int


def test_a_path_names_list_items_by_their_name_or_index():
    data = {"kafka": {"topics": [{"name": "loans", "partitions": 0}, {"partitions": 1}, {"name": 7}]}}
    assert loader._dotted(("kafka", "topics", 0, "partitions"), data) == "kafka.topics[loans].partitions"
    assert loader._dotted(("kafka", "topics", 1, "partitions"), data) == "kafka.topics[1].partitions"
    assert loader._dotted(("kafka", "topics", 2, "name"), data) == "kafka.topics[2].name"
    assert loader._dotted(("kafka", "topics", 9, "name"), data) == "kafka.topics[9].name"  # past the end
    assert loader._dotted(("name",), data) == "name"
    assert loader._dotted(("kafka", "x", "y"), {"kafka": "not a mapping"}) == "kafka.x.y"


def yaml_error(text):
    with pytest.raises(yaml.YAMLError) as raised:
        yaml.load(text, Loader=loader._UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    return loader._yaml_message(raised.value)


def test_a_yaml_error_names_line_and_column_with_its_context():
    assert yaml_error("name: dev\nkafka: [a\n") == (
        "line 3, column 1: is not valid YAML (while parsing a flow sequence, expected ',' or ']', but got "
        "'<stream end>'); check the indentation and quoting there")


def test_a_yaml_error_without_context_gives_the_problem_alone():
    assert yaml_error("a: b: c\n") == (
        "line 1, column 5: is not valid YAML (mapping values are not allowed here); check the indentation and "
        "quoting there")


def test_a_key_written_twice_and_an_alias_keep_their_own_words():
    assert yaml_error("name: dev\nname: prod\n") == (
        'line 2, column 1: key "name" appears twice in one mapping (first on line 1); keep one')
    assert yaml_error("a: &x 1\nb: *x\n").startswith("line 2, column 4: uses the YAML alias *x; write the value out")


def test_an_error_without_a_mark_is_described_alone():
    assert loader._yaml_message(yaml.YAMLError("odd")) == (
        "is not valid YAML (odd); check the indentation and quoting there")
    error = SimpleNamespace(problem_mark=None, problem="bad thing", context=None)
    assert loader._yaml_message(error) == "is not valid YAML (bad thing); check the indentation and quoting there"


def test_a_path_names_items_of_lists_inside_list_items():
    data = {"a": [{"name": "x", "b": [{"name": "y"}, {"name": "z"}]}], "c": [1, 2]}
    assert loader._dotted(("a", 0, "b", 1, "k"), data) == "a[x].b[z].k"
    assert loader._dotted(("c", 2), data) == "c[2]"  # just past the end


def test_allowed_keys_below_an_unknown_key_are_none():
    assert loader._allowed_keys(("nothing", "deeper")) == []
