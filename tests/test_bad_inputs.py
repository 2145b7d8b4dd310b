"""Bad inputs, faults and reproducibility through the CLI and the API (issue 11).

Every CLI failure is one line ``hepconditioning CMD: error: ...`` on stderr with exit status 2
and leaves no file behind; every run of the same card is bit-identical.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import uproot

from hepconditioning import Events
from hepconditioning.cli import main
from hepconditioning.config import ModelConfig, load_config
from hepconditioning.errors import ConfigError
from hepconditioning.io import read_root
from hepconditioning.io.root import RootSpec
from hepconditioning.nn import AffinePNN, IndividualNNs
from hepconditioning.training import ModelSelectionError, TrainConfig, fit, load_model

CARD = """
[data]
source = {source}
seed = 3
{data}
[[models]]
type = "AffinePNN"
widths = [16, 8]
{model}
[training]
epochs = {epochs}
batch_size = 256
learning_rate = 1e-3
threads = 1
{training}
[output]
plots = false
tsne_events = 0
bins = 10
{output}
"""


def write_card(path, *, source=3000, epochs=1, data="", model="", training="", output=""):
    path.write_text(CARD.format(source=source, epochs=epochs, data=data, model=model,
                                training=training, output=output))
    return path


def cli_error(capsys, argv, *, status=2):
    """Run the CLI in-process; return its one error line (asserting status and format)."""
    assert main(argv) == status
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"hepconditioning {argv[0]}: error: "), err
    return lines[0]


def write_tree(path, branches):
    with uproot.recreate(path) as file:
        file.mktree("t", {k: v.dtype for k, v in branches.items()})
        file["t"].extend(branches)


def files_in(directory):
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


def state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def small_events(n=800, *, seed=0, weights=None, labels=None):
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 2).astype(np.float32) if labels is None else labels
    mass = np.where(labels == 1, rng.choice([500.0, 1000.0], size=n), 0.0)
    mass = np.where(labels == 0, rng.choice([500.0, 1000.0], size=n), mass)
    x = rng.normal(size=(n, 3)) + labels[:, None]
    return Events(x, mass, labels, weights, feature_names=["a", "b", "c"])


# -- item 1: model names never leave the output directory ---------------------------------
@pytest.mark.parametrize("name", ["../../victim", "my model.v1", "pnn.v2", "a/b", ""])
def test_model_name_is_checked_before_any_work(tmp_path, capsys, name):
    victim = tmp_path / "victim.pt"
    victim.write_bytes(b"precious")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    card = write_card(work / "card.toml", model=f'name = "{name}"')
    line = cli_error(capsys, ["train", str(card), "--out", str(work / "out"), "--quiet"])
    assert "letters, digits and '_'" in line and repr(name) in line
    assert victim.read_bytes() == b"precious"
    assert files_in(tmp_path) == ["a", "a/b", "a/b/card.toml", "victim.pt"]


def test_model_names_checked_in_the_api():
    with pytest.raises(ConfigError, match="letters, digits"):
        ModelConfig(name="../x")
    assert ModelConfig(type="ParametricNN", name="pNN_2").label == "pNN_2"


def test_repeated_model_names_and_odd_root_file_are_refused(tmp_path):
    card = write_card(tmp_path / "card.toml", model='name = "m"\n[[models]]\ntype = "SingleNN"\nname = "m"')
    with pytest.raises(ConfigError, match="more than one"):
        load_config(card)
    card = write_card(tmp_path / "card.toml", output='root_file = "../results.root"')
    with pytest.raises(ConfigError, match="plain file name"):
        load_config(card)


# -- item 2: the same card, config and seed give bit-identical results --------------------
def test_model_initialisation_is_seeded():
    torch.manual_seed(123)
    a = AffinePNN(4, widths=(8, 4))
    torch.rand(10)  # the global generator moves on: it must not matter
    b = AffinePNN(4, widths=(8, 4))
    assert_same_state(state(a), state(b))
    assert not torch.equal(a.dense[0].weight, AffinePNN(4, widths=(8, 4), seed=1).dense[0].weight)
    nets = IndividualNNs(3, mass_points=[1.0, 2.0], widths=(4,))
    assert not torch.equal(nets.nets[0][0].weight, nets.nets[1][0].weight)


def test_two_fits_with_the_same_config_are_bit_identical():
    train, validation = small_events(seed=1), small_events(400, seed=2)
    config = TrainConfig(epochs=2, batch_size=64, seed=1)
    results = []
    for _ in range(2):
        model = AffinePNN(3, widths=(8, 4))
        history = fit(model, train, validation=validation, config=config, progress=False)
        results.append((state(model), history.val_auc))
        torch.rand(5)
    assert_same_state(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def test_two_train_runs_are_bit_identical(tmp_path, capsys):
    card = write_card(tmp_path / "card.toml", epochs=2)
    for out in ("one", "two"):
        assert main(["train", str(card), "--out", str(tmp_path / out), "--quiet"]) == 0
    one, two = tmp_path / "one", tmp_path / "two"
    assert (one / "table.md").read_text() == (two / "table.md").read_text()
    assert_same_state(state(load_model(one / "models" / "AffinePNN.pt")),
                      state(load_model(two / "models" / "AffinePNN.pt")))
    with uproot.open(one / "results.root") as a, uproot.open(two / "results.root") as b:
        np.testing.assert_array_equal(a["scores"]["score_AffinePNN"].array(library="np"),
                                      b["scores"]["score_AffinePNN"].array(library="np"))
    assert load_model(one / "models" / "AffinePNN.pt").config["seed"] == 0


@pytest.mark.slow
def test_demo_prints_the_same_table_twice(tmp_path, capsys):
    tables = []
    for out in ("one", "two"):
        assert main(["demo", "--out", str(tmp_path / out), "--epochs", "1", "--quiet"]) == 0
        printed = capsys.readouterr().out
        tables.append(printed[printed.index("## AffinePNN"):printed.index("wrote")])
    assert "| 1500 |" in tables[0]
    assert tables[0] == tables[1]


# -- item 3: process ids are never silently cast ------------------------------------------
@pytest.mark.parametrize(("values", "match"), [([1.7, -0.5], "non-integer"),
                                               (np.array([1, 2147483653]), "int32 range")])
def test_read_root_refuses_process_ids_that_do_not_fit(tmp_path, values, match):
    path = tmp_path / "p.root"
    write_tree(path, {"x": np.array([1.0, 2.0], np.float32), "proc": np.asarray(values)})
    with pytest.raises(ValueError, match=match) as info:
        read_root(path, RootSpec("t", ["x"], label=0, process="proc"))
    assert "'proc'" in str(info.value) and "p.root" in str(info.value)
    spec = RootSpec("t", ["x"], label=0, process="proc")
    # whole numbers in a float branch are fine
    write_tree(path, {"x": np.array([1.0, 2.0], np.float32), "proc": np.array([1.0, 2.0])})
    assert read_root(path, spec).process.tolist() == [1, 2]


def test_events_refuse_non_integer_process_ids():
    with pytest.raises(ValueError, match="non-integer"):
        Events(np.zeros((1, 1)), 0.0, [0.0], feature_names=["a"], process=[1.9])
    with pytest.raises(ValueError, match="int32 range"):
        Events(np.zeros((1, 1)), 0.0, [0.0], feature_names=["a"], process=[2**31])
    with pytest.raises(ValueError, match=r"integer \(int32\) process id"):
        RootSpec("t", ["x"], label=0, process=1.5)
    assert Events(np.zeros((2, 1)), 0.0, [0.0, 1.0], feature_names=["a"],
                  process=[1.0, 3.0]).process.tolist() == [1, 3]


# -- item 4: fit never hands back an untrained model ---------------------------------------
@pytest.mark.parametrize("case", ["zero", "negative", "one_class"])
def test_fit_without_a_finite_validation_auc_raises(case):
    train = small_events(seed=1)
    n = 400
    if case == "one_class":
        validation = small_events(n, seed=2, labels=np.zeros(n, np.float32))
    else:
        weights = np.zeros(n) if case == "zero" else -np.ones(n)
        validation = small_events(n, seed=2, weights=weights)
    with pytest.raises(ModelSelectionError, match="validation"):
        fit(AffinePNN(3, widths=(8,)), train, validation=validation,
            config=TrainConfig(epochs=1, batch_size=64), progress=False)


def test_fit_raises_when_validate_never_gives_a_finite_auc():
    from hepconditioning.training import ValidationResult

    train = small_events(seed=1)
    with pytest.raises(ModelSelectionError, match="no epoch"):
        fit(AffinePNN(3, widths=(8,)), train, validation=train, progress=False,
            config=TrainConfig(epochs=2, batch_size=64),
            validate=lambda model: ValidationResult(float("nan"), (), ()))


def test_train_with_zero_weights_is_one_clear_error(tmp_path, capsys):
    events = small_events(2000, weights=np.zeros(2000))
    from hepconditioning.io import write_events

    data = tmp_path / "zero.root"
    write_events(data, events)
    card = write_card(tmp_path / "card.toml", source=f'"{data.name}"')
    line = cli_error(capsys, ["train", str(card), "--out", str(tmp_path / "out"), "--quiet"])
    assert "weight 0" in line and "positive" in line
    assert files_in(tmp_path) == ["card.toml", "zero.root"]


def _damage(path, how):
    data = bytearray(path.read_bytes())
    if how == "bit-flipped":
        weight = torch.load(path, weights_only=True)["state_dict"]["dense.0.weight"].numpy().tobytes()
        data[bytes(data).index(weight) + len(weight) // 2] ^= 0x10
    elif how == "truncated":
        data = data[: len(data) // 3]
    else:
        data = bytearray(b"# not a model\nhello\n")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["bit-flipped", "truncated", "text"])
def test_damaged_model_file_is_one_clear_error(tmp_path, capsys, how):
    """Issue 11 item 5: a damaged model file is refused by name (stored SHA-256), in the API and the CLI."""
    from hepconditioning.errors import CorruptFileError
    from hepconditioning.training import save_model

    events = small_events()
    model = AffinePNN(3, widths=(8,), dropout=0.0)
    fit(model, events, validation=events, config=TrainConfig(epochs=1, batch_size=200), progress=False)
    path = save_model(tmp_path / "model.pt", model)
    _damage(path, how)
    with pytest.raises(CorruptFileError, match=f"model file '{path}' is damaged"):
        load_model(path)
    data = tmp_path / "data.root"
    from hepconditioning.io import write_events

    write_events(data, events)
    out = tmp_path / "results.root"
    line = cli_error(capsys, ["evaluate", str(path), str(data), "--out", str(out)])
    assert str(path) in line and "damaged" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.root", "model.pt"]
