"""Stacks started by the tests leave nothing behind, also when a test fails."""

from __future__ import annotations

import pytest

from tests.docker.stack import answers_ok


class Boom(Exception):
    pass


def test_a_failing_test_still_tears_its_stack_down(new_stack):
    stack = new_stack()
    with pytest.raises(Boom), stack.running("--profile prod up --build --detach"):
        assert stack.leftovers()
        raise Boom
    assert stack.leftovers() == []
    assert not answers_ok(stack.url("prod", "/healthz"))


def test_a_failing_start_still_tears_its_stack_down(new_stack):
    stack = new_stack()
    stack.unset_env("SECRET_KEY")  # prod never turns healthy: `--wait` fails
    with (
        pytest.raises(Exception, match="returned 1"),
        stack.running("--profile prod up --build --wait --wait-timeout 15"),
    ):
        pass
    assert stack.leftovers() == []
