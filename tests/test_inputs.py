"""The template's input rules, called directly (no files written)."""

from __future__ import annotations

import json
import sys
import tomllib

import pytest

from tests.conftest import TEMPLATE_DIR

sys.path.insert(0, str(TEMPLATE_DIR))
import local_extensions as ext  # noqa: E402


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My Shop", "my_shop"),
        ("Fish & Chips <Ltd>", "fish_chips_ltd"),
        ("Café Ünïcödé", "cafe_unicode"),
        ("3D Printing", "app_3d_printing"),
        ("Flask", "flask_app"),
        ("Class", "class_app"),
        ("  spaced  out  ", "spaced_out"),
    ],
)
def test_default_slug_is_a_valid_package_name(name, slug):
    assert ext.python_slug(name) == slug
    assert ext.slug_problem(slug) is None


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "My_Shop",
        "my-shop",
        "my shop",
        "a/../../x",
        "../x",
        "/abs",
        "..",
        ".x",
        "1abc",
        "_private",
        "class",
        "None",
        "os",
        "flask",
        "tests",
        "a" * 51,
        "über",
        "a\nb",
        "{{ x }}",
    ],
)
def test_bad_slugs_are_rejected(slug):
    assert ext.slug_problem(slug)


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "tab\tname", "nul\x00", "x" * 201])
def test_bad_names_are_rejected(name):
    assert ext.name_problem(name)


@pytest.mark.parametrize("version", ["2.7", "3.9", "3", "3.13.1", "3.13; rm -rf /", ""])
def test_unsupported_python_versions_are_rejected(version):
    assert ext.python_version_problem(version)


def test_check_inputs_names_the_bad_variable():
    with pytest.raises(ext.InvalidInput, match="project_slug 'a/b'"):
        ext.check_inputs(
            {"project_name": "x", "project_slug": "a/b", "python_version": "3.13"}
        )


@pytest.mark.parametrize(
    "name", ['say "hi"', "back\\slash", "emoji 😀", "accents éàü", "<&>", "'single'"]
)
def test_quoted_is_a_literal_in_python_and_toml(name):
    literal = ext.quoted(name)
    assert eval(literal) == name  # noqa: S307 - a literal we built
    assert tomllib.loads(f"k = {literal}")["k"] == name
    assert json.loads(literal) == name


@pytest.mark.parametrize(
    "name", ['say "hi"', "it's", "back\\slash", "emoji 😀", "'\"'", '""\'', "plain"]
)
def test_python_string_is_a_literal_of_the_name(name):
    assert eval(ext.python_string(name)) == name  # noqa: S307 - a literal we built


def test_markdown_text_escapes_html_and_markup():
    assert ext.markdown_text("<b>*x*</b> & y") == "&lt;b&gt;\\*x\\*&lt;/b&gt; &amp; y"
