# SPDX-License-Identifier: Apache-2.0
"""The rule the hypothesis suites check: a call that is valid but for at most one argument either works
(and then no argument was bad, or only the state array, which may happen to be valid) or raises an error
naming the bad argument; and the caller's input array is never modified."""
from __future__ import annotations

import numpy as np
from hypothesis import event

ERRORS = (TypeError, ValueError, MemoryError)


def call_with_one_bad_argument(call, corrupt: str | None, state_arg: str, state):
    """Runs call(); returns its result when it worked, None when it rightly refused."""
    before = state.copy()
    try:
        result = call()
    except ERRORS as exc:
        event("rejected")
        assert corrupt is not None, f"a valid call raised {exc!r}"
        assert f"argument '{corrupt}'" in str(exc), f"expected the error to name '{corrupt}': {exc!r}"
        return None
    finally:
        np.testing.assert_array_equal(state, before)
    event("ran")
    assert corrupt in (None, state_arg), f"bad '{corrupt}' was accepted"
    return result
