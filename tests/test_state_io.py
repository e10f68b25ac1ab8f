# SPDX-License-Identifier: Apache-2.0
"""A run's state saved to disk continues, in a new process, with the numbers of an uninterrupted run."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import heatbath as hb
from helpers import needs_torch, to_numpy


def start(chains=33, dim=3, dtype=np.float64):
    return np.random.default_rng(4).standard_normal((chains, dim)).astype(dtype)


@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_saved_state_round_trips_every_field(tmp_path, method):
    res = hb.langevin(hb.DoubleWell(), start(), 40, 0.01, method, seed=2**64 - 3, chain_start=9)
    res.state.save(tmp_path / "s.npz")
    back = hb.load_state(tmp_path / "s.npz")
    assert isinstance(back, hb.LangevinState)
    assert (back.step, back.seed, back.method, back.chain_start) == (40, 2**64 - 3, method, 9)
    np.testing.assert_array_equal(back.x, res.state.x)
    np.testing.assert_array_equal(back.diverged_at, res.state.diverged_at)
    assert (back.p is None) == (method != "baoab")
    if back.p is not None:
        np.testing.assert_array_equal(back.p, res.state.p)


def test_paths_as_bytes_and_path_like_objects(tmp_path):
    # A bytes path's repr went into the name of the partial file ("b'/tmp/...'"), in a folder that does
    # not exist; load_state read it fine.
    state = hb.langevin(hb.DoubleWell(), start(), 3, 0.01, seed=1).state
    for path in (str(tmp_path / "s.npz").encode(), tmp_path / "t.npz", str(tmp_path / "u.npz")):
        state.save(path)
        np.testing.assert_array_equal(hb.load_state(path).x, state.x)
    for call in (lambda: state.save(3), lambda: hb.load_state(3.5)):
        with pytest.raises(TypeError, match=r"argument 'path': expected a file path \(str, bytes or os.PathLike\)"):
            call()


def test_a_new_process_continues_bitwise(tmp_path):
    x0 = start(dtype=np.float32)
    whole = hb.langevin(hb.DoubleWell(), x0, 100, 0.02, "baoab", seed=7)
    first = hb.langevin(hb.DoubleWell(), x0, 45, 0.02, "baoab", seed=7)
    hb.save_state(first.state, tmp_path / "first.npz")
    script = textwrap.dedent(f"""
        import numpy as np, heatbath as hb
        state = hb.load_state({str(tmp_path / 'first.npz')!r})
        res = hb.langevin(hb.DoubleWell(), state, 55, 0.02)
        np.save({str(tmp_path / 'x.npy')!r}, res.x)
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy"), whole.x)


@needs_torch
def test_load_with_like_gives_the_callers_framework(tmp_path):
    import torch

    x0 = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(4, 3)
    res = hb.langevin(hb.DoubleWell(), x0, 10, 0.01, seed=1)
    res.state.save(tmp_path / "t.npz")
    back = hb.load_state(tmp_path / "t.npz", like=x0)
    assert isinstance(back.x, torch.Tensor) and back.x.dtype == torch.float64
    assert isinstance(back.diverged_at, torch.Tensor) and back.diverged_at.dtype == torch.int64
    more = hb.langevin(hb.DoubleWell(), back, 5, 0.01)
    whole = hb.langevin(hb.DoubleWell(), x0, 15, 0.01, seed=1)
    np.testing.assert_array_equal(to_numpy(more.x), to_numpy(whole.x))


def test_bad_files_and_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="argument 'state'"):
        hb.save_state({"x": 1}, tmp_path / "a.npz")
    with pytest.raises(OSError, match="argument 'path'"):
        hb.load_state(tmp_path / "missing.npz")
    np.savez(tmp_path / "plain.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a saved heatbath state"):
        hb.load_state(tmp_path / "plain.npz")
    state = hb.langevin(hb.DoubleWell(), start(), 1, 0.01).state
    with pytest.raises(OSError, match="argument 'path'"):
        state.save(tmp_path / "no" / "such" / "dir" / "s.npz")


@pytest.mark.parametrize("version", [True, 1.0, "1", 2])
def test_a_format_version_is_the_integer_1(tmp_path, version):
    # true and 1.0 compare equal to 1, and were read as version 1
    import json

    state = hb.langevin(hb.DoubleWell(), start(), 1, 0.01).state
    state.save(tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz") as data:
        arrays = dict(data)
    meta = json.loads(arrays["__heatbath_state__"].tobytes())
    meta["version"] = version
    arrays["__heatbath_state__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(tmp_path / "edited.npz", **arrays)
    with pytest.raises(ValueError, match=f"argument 'path': state format version {json.loads(json.dumps(version))!r}"):
        hb.load_state(tmp_path / "edited.npz")


def _write_foreign_files(folder):
    import json
    import pickle
    import zipfile

    key = "__heatbath_state__"
    files = {"lone.npy": lambda p: np.save(p, np.zeros(3)),
             "text.npz": lambda p: p.write_text("hello"),
             "pickle.npz": lambda p: p.write_bytes(pickle.dumps({"a": 1})),
             "list_meta.npz": lambda p: np.savez(p, **{key: np.frombuffer(json.dumps([1]).encode(), np.uint8)}),
             "no_scalars.npz": lambda p: np.savez(p, **{key: np.frombuffer(json.dumps({"version": 1}).encode(),
                                                                             np.uint8)})}
    files["nested_meta.npz"] = lambda p: np.savez(p, **{key: np.frombuffer(b"[" * 100_000 + b"]" * 100_000,
                                                                           np.uint8)})
    for name, write in files.items():
        write(folder / name)
    with zipfile.ZipFile(folder / "junk_member.npz", "w") as z:
        z.writestr(key + ".npy", b"junk")
    # A saved state with one field of its central directory damaged: zipfile's NotImplementedError (an
    # unknown compression method) and RuntimeError (the encryption flag) are not a state either.
    hb.langevin(hb.DoubleWell(), start(), 1, 0.01).state.save(folder / "good.npz")
    damaged = []
    for name, offset, value in (("method.npz", 10, b"\x63\x00"), ("encrypted.npz", 8, b"\x01\x00")):
        data = bytearray((folder / "good.npz").read_bytes())
        entry = data.index(b"PK\x01\x02")  # the first member's central directory record
        data[entry + offset:entry + offset + 2] = value
        (folder / name).write_bytes(bytes(data))
        damaged.append(folder / name)
    return [folder / name for name in files] + [folder / "junk_member.npz"] + damaged


def test_foreign_files_are_not_saved_states(tmp_path):
    for path in _write_foreign_files(tmp_path):
        with pytest.raises(ValueError, match="is not a saved heatbath state") as info:
            hb.load_state(path)
        assert "allow_pickle" not in str(info.value)  # never advice to load unsafely
        assert "pickled" not in str(info.value)  # nor take text for a pickle


def test_a_class_name_that_is_not_a_string_is_an_unknown_class(tmp_path):
    import json

    meta = {"class": ["LangevinState"], "version": 1, "scalars": {}}
    np.savez(tmp_path / "s.npz", __heatbath_state__=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    with pytest.raises(ValueError, match=r"argument 'path': unknown state class \['LangevinState'\]"):
        hb.load_state(tmp_path / "s.npz")


@pytest.mark.parametrize("like", [[1], 1.0, "torch"])
def test_like_must_be_an_array(tmp_path, like):
    hb.langevin(hb.DoubleWell(), np.zeros((4, 1)), 3, 0.1, seed=1).state.save(tmp_path / "s.npz")
    with pytest.raises(TypeError, match="argument 'like': expected an array"):
        hb.load_state(tmp_path / "s.npz", like=like)


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.npz"
    first = hb.langevin(hb.DoubleWell(), np.zeros((4, 1)), 3, 0.1, seed=1).state
    first.save(path)
    second = hb.langevin(hb.DoubleWell(), np.zeros((4, 1)), 5, 0.1, seed=1).state

    def failing_savez(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="cannot write the state"):
        second.save(path)
    monkeypatch.undo()
    assert hb.load_state(path).step == 3  # the first checkpoint, whole
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]  # no partial file left
