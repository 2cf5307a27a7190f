"""Jinja extension of the template: validates inputs and renders them safely.

Validation runs while cookiecutter renders the variables, before it creates
any file or directory: a pre-generation hook would run too late, after the
project directory (named from the unchecked slug) already exists.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment, TemplateSyntaxError, meta
from jinja2.ext import Extension
from slugify import slugify

SUPPORTED_PYTHON = ("3.10", "3.11", "3.12", "3.13", "3.14")
DATABASES = ("postgres", "none")
WORKERS = ("none", "celery")
MAX_NAME_LENGTH = 200
MAX_SLUG_LENGTH = 50
# Module names a project package must not shadow: it sits first on sys.path.
TAKEN_MODULE_NAMES = frozenset(sys.stdlib_module_names) | {
    "amqp",
    "app",
    "billiard",
    "celery",
    "compose",
    "conftest",
    "debugpy",
    "dotenv",
    "flask",
    "gunicorn",
    "jinja2",
    "kombu",
    "pytest",
    "scripts",
    "setup",
    "tests",
    "watchdog",
    "werkzeug",
}
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# What decides how a value is split into Jinja tags: cookiecutter keeps the
# trailing newline, for one, so that "{#\n" does not parse there.
LEXER_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
)


class InvalidInput(FailedHookException):
    """A template variable was rejected; cookiecutter's CLI prints the message."""


def python_slug(name: str) -> str:
    """Derive a default package name from free text: 'My Shop!' -> 'my_shop'."""
    slug = slugify(str(name), separator="_", max_length=MAX_SLUG_LENGTH)
    if slug[:1].isdigit():
        slug = f"app_{slug}"
    if slug in TAKEN_MODULE_NAMES or keyword.iskeyword(slug):
        slug = f"{slug}_app"
    return slug


def slug_problem(slug: object) -> str | None:
    """Why `slug` cannot name the package and its directory, or None."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        return (
            "must start with a lowercase letter and hold only lowercase letters, "
            "digits and underscores (it names a directory and a Python package)"
        )
    if len(slug) > MAX_SLUG_LENGTH:
        return f"must be at most {MAX_SLUG_LENGTH} characters long"
    if keyword.iskeyword(slug):
        return "is a Python keyword"
    if slug in TAKEN_MODULE_NAMES:
        return "would shadow a module of the standard library or a dependency"
    return None


def name_problem(name: object) -> str | None:
    """Why `name` cannot be the project's display name, or None."""
    if not isinstance(name, str) or not name.strip():
        return "must not be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters long"
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in name):
        return "must be a single line without control characters"
    return None


def python_version_problem(version: object) -> str | None:
    """Why `version` is not a supported Python version, or None."""
    if version not in SUPPORTED_PYTHON:
        return f"must be one of {', '.join(SUPPORTED_PYTHON)}"
    return None


def choice_problem(choices: tuple[str, ...]):
    """A check that a value is one of `choices`."""

    def problem(value: object) -> str | None:
        if value not in choices:
            return f"must be one of {', '.join(choices)}"
        return None

    return problem


def check_inputs(cookiecutter: dict) -> str:
    """Reject the first invalid variable with a message that says how to fix it."""
    checks = (
        ("project_name", name_problem),
        ("project_slug", slug_problem),
        ("python_version", python_version_problem),
        ("database", choice_problem(DATABASES)),
        ("worker", choice_problem(WORKERS)),
    )
    for key, problem_of in checks:
        value = cookiecutter.get(key)
        problem = problem_of(value)
        if problem:
            raise InvalidInput(
                f"Invalid {key} {value!r}: it {problem}. Nothing was written."
            )
    return ""


def quoted(value: str) -> str:
    """A double-quoted string literal, valid in TOML, YAML and JSON alike.

    Names hold no control characters or surrogates (see name_problem), so
    JSON's escapes are the ones the three languages share.
    """
    return json.dumps(str(value), ensure_ascii=False)


def python_string(value: str) -> str:
    """A Python string literal, as ruff format writes it.

    Double quotes, unless single ones need fewer escapes.
    """
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def markdown_text(value: str) -> str:
    """Text that Markdown shows as written: HTML and Markdown syntax escaped."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~])", r"\\\1", escaped)


def dns_label(slug: str) -> str:
    """A Kubernetes or DNS name from a slug: my_shop_ -> my-shop."""
    return re.sub(r"_+", "-", str(slug)).strip("-")


class TemplateExtension(Extension):
    """Registers the filters above for cookiecutter.json and the templates.

    cookiecutter renders every value given to it as a Jinja template: a value
    such as `{{ oops` would otherwise stop it with a traceback.
    """

    def preprocess(self, source, name, filename=None):
        if name is None and filename is None:  # a value, not a template file
            problem = self._template_problem(source)
            if problem:
                raise InvalidInput(
                    f"Invalid input {source!r}: cookiecutter renders values as "
                    f"Jinja templates and {problem}. Write {{{{ '{{{{' }}}} for a "
                    "literal '{{'. Nothing was written."
                )
        return source

    def _template_problem(self, source: str) -> str | None:
        try:
            tree = self._parser().parse(source)
        except TemplateSyntaxError as error:
            return f"this one does not parse ({error.message})"
        unknown = meta.find_undeclared_variables(tree) - {"cookiecutter"}
        if unknown:
            return f"this one uses unknown names: {', '.join(sorted(unknown))}"
        return None

    def _parser(self) -> Environment:
        """An environment that parses like cookiecutter's, without this hook."""
        others = [
            type(ext)
            for ext in self.environment.extensions.values()
            if not isinstance(ext, TemplateExtension)
        ]
        lexing = {option: getattr(self.environment, option) for option in LEXER_OPTIONS}
        parser = Environment(extensions=others, **lexing)
        parser.filters.update(self.environment.filters)
        return parser

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters.update(
            check_inputs=check_inputs,
            dns_label=dns_label,
            markdown_text=markdown_text,
            python_slug=python_slug,
            python_string=python_string,
            quoted=quoted,
        )
