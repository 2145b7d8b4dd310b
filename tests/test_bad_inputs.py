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
    assert lines[0].startswith(f"hepconditioning {argv[0]}: " + ("error: " if status == 2 else "")), err
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
@pytest.mark.parametrize("name", ["../../victim", "my model.v1", "pnn.v2", "a/b", "", "2nd"])
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


# -- item 5 (model file, i13): a damaged model file is refused by name ------------------
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


# -- item 6: damaged or foreign inputs of evaluate and plot --------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny trained run (model + results.root) and a generated CSV to evaluate."""
    base = tmp_path_factory.mktemp("trained")
    card = write_card(base / "card.toml")
    assert main(["train", str(card), "--out", str(base / "run"), "--quiet"]) == 0
    data = base / "test.csv"
    assert main(["generate", "hepmass", "--events", "1000", "--seed", "5", "--out", str(data),
                 "--quiet"]) == 0
    return base


def test_evaluate_with_fewer_features_than_the_model(trained, tmp_path, capsys):
    from hepconditioning.io import read_csv, write_events

    events = read_csv(trained / "test.csv")
    data = tmp_path / "f26.root"
    write_events(data, Events(events.x[:, :26], events.mass, events.labels,
                              feature_names=events.feature_names[:26]))
    line = cli_error(capsys, ["evaluate", str(trained / "run" / "models" / "AffinePNN.pt"), str(data),
                              "--out", str(tmp_path / "r.root")])
    assert "27 features" in line and "26" in line
    assert files_in(tmp_path) == ["f26.root"]


def test_evaluate_on_a_foreign_root_file_says_how_to_read_it(trained, tmp_path, capsys):
    data = tmp_path / "other.root"
    write_tree(data, {"x": np.ones(3, np.float32)})
    line = cli_error(capsys, ["evaluate", str(trained / "run" / "models" / "AffinePNN.pt"), str(data),
                              "--out", str(tmp_path / "r.root")])
    assert "not written by write_events" in line and "RootSpec" in line and "'t'" in line
    assert files_in(tmp_path) == ["other.root"]


@pytest.mark.parametrize("kind", ["random", "foreign", "model"])
def test_plot_on_a_file_that_is_not_a_results_file(trained, tmp_path, capsys, kind):
    path = tmp_path / "input.root"
    if kind == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4000))
    elif kind == "foreign":
        write_tree(path, {"x": np.ones(3, np.float32)})
    else:
        path = trained / "run" / "models" / "AffinePNN.pt"
    line = cli_error(capsys, ["plot", str(path), "--out", str(tmp_path / "figures")])
    assert str(path) in line
    assert ("not a results file" if kind == "foreign" else "not a readable ROOT file") in line
    assert not (tmp_path / "figures").exists()


# -- item 7: the output location is checked before any work --------------------------------
@pytest.fixture
def unwritable(tmp_path):
    """A directory this process cannot write in (root ignores permissions: /sys then)."""
    import os
    from pathlib import Path

    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        yield locked
        locked.chmod(0o700)
    elif Path("/sys").is_dir():
        yield Path("/sys")
    else:  # pragma: no cover
        pytest.skip("no unwritable directory for the root user")


def test_unwritable_output_is_refused_before_the_data_is_read(tmp_path, capsys, monkeypatch, unwritable):
    import hepconditioning.pipeline

    def no_reading(config):
        raise AssertionError("the data was read before the output location was checked")

    monkeypatch.setattr(hepconditioning.pipeline, "load_data", no_reading)
    card = write_card(tmp_path / "card.toml")
    line = cli_error(capsys, ["train", str(card), "--out", str(unwritable / "run"), "--quiet"])
    assert "cannot write in" in line and str(unwritable) in line


def test_unwritable_evaluate_output_is_refused_first(trained, capsys, unwritable):
    line = cli_error(capsys, ["evaluate", str(trained / "run" / "models" / "AffinePNN.pt"),
                              str(trained / "test.csv"), "--out", str(unwritable / "r.root")])
    assert "cannot write in" in line


@pytest.mark.parametrize("out", [".", "..", "sub/.."])
def test_current_directory_is_never_an_output(tmp_path, capsys, monkeypatch, out):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    card = write_card(work / "card.toml")
    monkeypatch.chdir(work)
    line = cli_error(capsys, ["train", str(card), "--out", out, "--overwrite", "--quiet"])
    assert "current directory" in line
    assert files_in(tmp_path) == ["work", "work/card.toml", "work/sub"]


# -- item 8: what the messages suggest can be set; generated CSVs are usable ---------------
def test_evaluation_balance_and_mass_points_are_card_keys(tmp_path):
    card = write_card(tmp_path / "card.toml", data="mass_points = [700.0, 2000.0]",
                      output="evaluation_balance = false")
    config = load_config(card)
    assert config.data.mass_points == [700.0, 2000.0] and config.output.evaluation_balance is False


def test_unbalanceable_weights_suggest_settable_options(tmp_path, capsys):
    from hepconditioning.evaluation import evaluation_events

    events = small_events(200, weights=np.where(np.arange(200) % 2 == 1, 1.0, -1.0))  # background < 0
    with pytest.raises(ValueError, match=r"evaluation_balance = false.*--no-balance"):
        evaluation_events(events)
    assert len(evaluation_events(events, balance=False)) == 100 + 2 * 100  # background at each mass


def test_csv_generated_at_other_masses_trains_and_evaluates(tmp_path, capsys):
    data = tmp_path / "m2000.csv"
    assert main(["generate", "hepmass", "--events", "3000", "--masses", "700", "2000",
                 "--out", str(data), "--quiet"]) == 0
    card = write_card(tmp_path / "card.toml", source='"m2000.csv"')
    assert main(["train", str(card), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert "| 2000 |" in (tmp_path / "run" / "table.md").read_text()
    assert main(["evaluate", str(tmp_path / "run" / "models" / "AffinePNN.pt"), str(data),
                 "--out", str(tmp_path / "eval.root"), "--masses", "2000"]) == 0
    assert "| 2000 |" in capsys.readouterr().out
    # declared mass points still guard against unknown values
    line = cli_error(capsys, ["evaluate", str(tmp_path / "run" / "models" / "AffinePNN.pt"), str(data),
                              "--out", str(tmp_path / "eval2.root"), "--mass-points", "500", "750"])
    assert "unknown mass point" in line and "--mass-points" in line


def test_train_on_a_csv_with_a_stray_background_mass_is_one_clear_error(tmp_path, capsys):
    data = tmp_path / "stray.csv"
    assert main(["generate", "hepmass", "--events", "2000", "--out", str(data), "--quiet"]) == 0
    lines = data.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("0"))  # a background row
    lines[row] = ",".join([*lines[row].split(",")[:-1], "600"])
    data.write_text("\n".join(lines) + "\n")
    card = write_card(tmp_path / "card.toml", source='"stray.csv"')
    line = cli_error(capsys, ["train", str(card), "--out", str(tmp_path / "run"), "--quiet"])
    assert "unknown mass point(s) 600 GeV" in line and "only background rows hold these" in line
    assert not (tmp_path / "run").exists()


# -- items 9-11: Ctrl-C, SIGTERM, kill -9 and --resume --------------------------------------
SIGNALLING_CLI = """
import os, signal, sys
import hepconditioning.training as training

fit = training.fit


def fit_then_signal(*args, **kwargs):
    def callback(epoch, history):
        if epoch == {epoch}:
            os.kill(os.getpid(), {signum})
    return fit(*args, callback=callback, **kwargs)


training.fit = fit_then_signal
from hepconditioning.cli import main
sys.exit(main({argv!r}))
"""


def run_signalled(tmp_path, argv, signum, *, epoch=0):
    """The CLI in a subprocess that sends itself ``signum`` after training epoch ``epoch``
    (SIGKILL: no cleanup can run, as after ``kill -9``)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "signalling_cli.py"
    script.write_text(SIGNALLING_CLI.format(epoch=epoch, signum=int(signum), argv=list(argv)))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    script.unlink()
    return done


@pytest.mark.parametrize(("signum", "status", "word"), [("SIGINT", 130, "interrupted"),
                                                       ("SIGTERM", 143, "terminated")])
def test_signals_give_one_line_and_remove_partial_output(tmp_path, capsys, monkeypatch, signum,
                                                         status, word):
    import os
    import signal

    import hepconditioning.pipeline

    fit = hepconditioning.pipeline.fit

    def fit_then_signal(*args, **kwargs):
        return fit(*args, callback=lambda epoch, history: os.kill(os.getpid(), getattr(signal, signum)),
                   **kwargs)

    monkeypatch.setattr(hepconditioning.pipeline, "fit", fit_then_signal)  # the fit the pipeline calls
    # a shell starts background jobs with SIGINT ignored (CI may run us so): act as a terminal would
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    handler = signal.getsignal(signal.SIGTERM)
    card = write_card(tmp_path / "card.toml", epochs=3)
    line = cli_error(capsys, ["train", str(card), "--out", str(tmp_path / "out"), "--quiet"], status=status)
    assert line == f"hepconditioning train: {word} ({signum}); incomplete outputs removed"
    assert files_in(tmp_path) == ["card.toml"]
    assert signal.getsignal(signal.SIGTERM) is handler
    signal.signal(signal.SIGINT, interrupt)


def test_kill_9_leftovers_are_swept_or_resumed_bit_identically(tmp_path, capsys):
    import signal

    card = write_card(tmp_path / "card.toml", epochs=3,
                      model='[[models]]\ntype = "ParametricNN"\nname = "pNN"\nwidths = [8]')
    assert main(["train", str(card), "--out", str(tmp_path / "whole"), "--quiet"]) == 0
    argv = ["train", str(card), "--out", str(tmp_path / "out"), "--quiet"]
    # killed after epoch 2 of the first model, then resumed: as if never interrupted
    done = run_signalled(tmp_path, argv, signal.SIGKILL, epoch=1)
    assert done.returncode == -signal.SIGKILL
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]
    assert len(partial) == 1 and (partial[0] / "checkpoints" / "AffinePNN" / "checkpoint.pt").exists()
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 0
    assert f"resuming in {partial[0]}" in capsys.readouterr().out
    assert (tmp_path / "whole" / "table.md").read_text() == (tmp_path / "out" / "table.md").read_text()
    for name in ("AffinePNN", "pNN"):
        assert_same_state(state(load_model(tmp_path / "whole" / "models" / f"{name}.pt")),
                          state(load_model(tmp_path / "out" / "models" / f"{name}.pt")))
    assert not (tmp_path / "out" / "checkpoints").exists()
    # what kill -9 leaves (a partial directory, its lock held by nobody) is swept by a run
    # without --resume into the same output; another output's leftover is not touched
    from hepconditioning.io.outdir import LOCK_NAME

    leftover, other = tmp_path / ".again-abcd1234.partial", tmp_path / ".other-abcd1234.partial"
    for directory in (leftover, other):
        directory.mkdir()
        (directory / LOCK_NAME).write_text("hepconditioning pid 1\n")
    assert main([*argv[:3], str(tmp_path / "again"), "--quiet"]) == 0
    assert f"removed {leftover}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "again", "card.toml", "out", "whole"]


def test_a_live_runs_partial_directory_is_left_alone(tmp_path):
    from hepconditioning.io.outdir import atomic_directory

    with atomic_directory(tmp_path / "run") as first:
        with atomic_directory(tmp_path / "run", overwrite=True, resume=True) as second:
            assert first.exists() and second != first
        assert first.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# -- item 12: the output directory follows the umask ---------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_output_directory_respects_the_umask(tmp_path, umask):
    import os
    import stat

    from hepconditioning.io.outdir import atomic_directory

    previous = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "run") as tmp:
            (tmp / "f.txt").write_text("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o777 & ~umask


# -- item 13: CSV messages say where and what ------------------------------------------------
@pytest.mark.parametrize(("text", "match"), [
    ("label;f0;f1;mass\n1;0.5;0.2;500\n", "separated by semicolons"),
    ("label\tf0\tf1\tmass\n1\t0.5\t0.2\t500\n", "separated by tabs"),
    ("label,f0,f1,mass\n1,0.5,0.2,500\n0,abc,0.3,500\n", r"line 3, column 'f0': invalid value 'abc'"),
    ("label,f0,f1,mass,process\n1,0.5,0.2,500,1\n0,0.1,0.3,500,1.7\n",
     r"line 3, column 'process': invalid value '1.7' \(expected an integer\)"),
    ("label,f0,f1,mass\n1,0.5,0.2,500\n0,0.3,500\n", "line 3: 3 fields where the header has 4 columns"),
])
def test_csv_errors_name_the_delimiter_line_and_column(tmp_path, text, match):
    import gzip

    from hepconditioning.io import read_csv

    for path in (tmp_path / "bad.csv", tmp_path / "bad.csv.gz"):
        path.write_bytes(gzip.compress(text.encode()) if path.suffix == ".gz" else text.encode())
        with pytest.raises(ValueError if "separated" in match else OSError, match=match) as info:
            read_csv(path)
        assert "truncated or damaged" not in str(info.value)


def test_csv_decompression_errors_alone_suggest_damage(tmp_path):
    import gzip

    from hepconditioning.errors import CorruptFileError
    from hepconditioning.io import read_csv

    data = gzip.compress(b"label,f0,f1,mass\n" + b"1,0.5,0.2,500\n" * 20000)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match=r"truncated or damaged"):
        read_csv(path)


# -- item 14: warnings on the command line are one clean line --------------------------------
def test_extrapolation_warning_is_one_line_on_the_cli(trained, tmp_path, capsys):
    data = tmp_path / "m2000.root"
    assert main(["generate", "hepmass", "--events", "600", "--masses", "2000", "--out", str(data),
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(trained / "run" / "models" / "AffinePNN.pt"), str(data),
                 "--out", str(tmp_path / "r.root")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hepconditioning evaluate: warning: mass values 2000"), err
    assert "ExtrapolationWarning" not in err[0] and ".py:" not in err[0]


# -- item 15: results.root keeps the event weight; fEntries counts fills --------------------
def test_results_file_keeps_event_weights_and_counts_fills(tmp_path):
    from hepconditioning.evaluation import evaluation_events, read_results, write_results

    rng = np.random.default_rng(4)
    weights = rng.uniform(0.5, 2.0, 400)
    test = small_events(400, seed=4, weights=weights)
    events = evaluation_events(test)
    scores = rng.uniform(size=len(events))
    path = write_results(tmp_path / "results.root", events, scores, bins=10)
    with uproot.open(path) as file:
        tree = file["scores"].arrays(library="np")
        per_mass = file["mass_500"]
        signal, background = per_mass["signal"], per_mass["background"]
        at_500 = tree["eval_mass"] == 500
        n_signal = int(np.count_nonzero(at_500 & (tree["label"] == 1)))
        assert signal.member("fEntries") == n_signal  # ROOT GetEntries: fills, not Σw
        assert background.member("fEntries") == np.count_nonzero(at_500 & (tree["label"] == 0))
        assert per_mass["ams"].member("fEntries") == np.count_nonzero(at_500)
        np.testing.assert_allclose(signal.values(flow=True).sum(),
                                   tree["eval_weight"][at_500 & (tree["label"] == 1)].sum(), rtol=1e-6)
    # the event weight as given, the balanced evaluation weight beside it
    background_weights = weights[test.labels == 0].astype(np.float32)
    np.testing.assert_array_equal(tree["weight"][at_500 & (tree["label"] == 0)], background_weights)
    assert not np.allclose(tree["eval_weight"][at_500 & (tree["label"] == 0)], background_weights)
    assert np.array_equal(read_results(path).events.weights, tree["eval_weight"])


# -- item 17: CI installs the pythia extra, so the Pythia tests run --------------------------
def test_ci_installs_every_extra_the_tests_need():
    import re
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    (nested,) = [dep for dep in extras["test"] if dep.startswith("hepconditioning[")]
    installed = set(re.search(r"\[(.*)\]", nested).group(1).split(","))
    assert {"pythia", "dask", "onnx", "coffea"} <= installed, installed
    assert any("pythia8mc" in dep for dep in extras["pythia"])
    assert '-e ".[test]"' in (root / ".ci" / "run").read_text()
