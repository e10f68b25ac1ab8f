# SPDX-License-Identifier: Apache-2.0
"""hb.gibbs's model check and option check: the built-in models, users' GibbsModel subclasses, and an
import under ``python -OO`` where docstrings are gone."""
import subprocess
import sys

import pytest

import heatbath as hb


class KeywordModel(hb.GibbsModel):
    """A user's model with one keyword-only option."""

    def _gibbs(self, state0, n_steps, *, beta, seed, damping=0.5):
        return ("ran", state0, n_steps, beta, seed, damping)


class PositionalOptionModel(hb.GibbsModel):
    """A user's model whose option is an ordinary parameter after state0 and n_steps."""

    def _gibbs(self, spins, sweeps, beta=1.0, seed=None, damping=0.5):
        return ("ran", spins, sweeps, beta, seed, damping)


class AnyOptionModel(hb.GibbsModel):
    """A user's model that takes **options and checks them itself."""

    def _gibbs(self, state0, n_steps, *, beta, seed, **options):
        return ("ran", options)


def test_keyword_only_option_passes_and_misspelling_names_it():
    assert hb.gibbs(KeywordModel(), "s", 3, damping=0.1)[-1] == 0.1
    with pytest.raises(TypeError, match=r"'dampng' for KeywordModel; its options are damping"):
        hb.gibbs(KeywordModel(), "s", 3, dampng=0.1)


def test_positional_or_keyword_option_is_an_option():
    assert hb.gibbs(PositionalOptionModel(), "s", 3, beta=2.0, seed=7, damping=0.1) == ("ran", "s", 3, 2.0, 7, 0.1)
    with pytest.raises(TypeError, match="its options are damping$"):
        hb.gibbs(PositionalOptionModel(), "s", 3, spins=1)


def test_var_keyword_model_receives_every_option():
    assert hb.gibbs(AnyOptionModel(), "s", 3, anything=1, other=2) == ("ran", {"anything": 1, "other": 2})


def test_not_a_model_is_a_type_error():
    with pytest.raises(TypeError, match="argument 'model'"):
        hb.gibbs(object(), "s", 3)


def test_help_lists_each_models_options():
    assert "trace_hidden" in hb.gibbs.__doc__ and "chain_start" in hb.gibbs.__doc__


def test_import_under_optimize_two_keeps_working():
    # -OO strips docstrings; the docstring assembly must not turn that into an ImportError.
    code = "import heatbath as hb; assert hb.gibbs.__doc__ is None; print(hb.Ising.__name__)"
    done = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Ising"
