from __future__ import annotations

import itertools
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hepconditioning.training import TrainConfig, fit
from hepconditioning.training.distributed import Parallel

ROOT = Path(__file__).resolve().parents[1]

# run by torchrun (2 processes) and imported by the test (1 process): same data, same model
WORKER = '''
import json, os, sys
import numpy as np
import torch
from hepconditioning import Events
from hepconditioning.nn import AffinePNN
from hepconditioning.training import TrainConfig, fit

CONFIG = TrainConfig(epochs=3, batch_size=250, learning_rate=3e-3, seed=3, threads=1, balance="full")


def data(n, seed):
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.4).astype(np.float32)
    mass = np.where(labels == 1, rng.choice([500.0, 1000.0, 1500.0], n), 0.0)
    x = rng.normal(size=(n, 5)) + labels[:, None] * mass[:, None] / 1000
    return Events(x, mass, labels, feature_names=[f"f{i}" for i in range(5)],
                  process=rng.integers(0, 2, n) * (1 - labels))


def model():
    torch.manual_seed(7)
    return AffinePNN(5, widths=(24, 12), dropout=0.25)


def stop_after_two(epoch, history):
    if epoch == 1:
        raise KeyboardInterrupt


if __name__ == "__main__":
    out = sys.argv[1]
    train, validation = data(3000, 1), data(1000, 2)
    net = model()
    if os.environ.get("RANK") == "1" and "--other-init" in sys.argv:
        torch.manual_seed(99)  # rank 1 starts elsewhere: fit() broadcasts rank 0's weights
        net = AffinePNN(5, widths=(24, 12), dropout=0.25)
    try:
        fit(net, train, validation=validation, config=CONFIG, progress=False,
            checkpoint_dir=out, callback=stop_after_two)
    except KeyboardInterrupt:
        pass
    net = AffinePNN(5, widths=(24, 12), dropout=0.25)
    history = fit(net, train, validation=validation, config=CONFIG, progress=False,
                  checkpoint_dir=out, resume=True)
    rank = torch.distributed.get_rank()
    torch.save(net.state_dict(), f"{out}/model{rank}.pt")
    with open(f"{out}/history{rank}.json", "w") as f:
        json.dump({"loss": history.loss, "val_auc": history.val_auc, "world": torch.distributed.get_world_size()}, f)
'''


def test_rows_cover_the_global_batch_once() -> None:
    for world in (1, 2, 3, 8):
        for total in (1, 7, 250, 1024):
            blocks = [Parallel(rank, world).rows(total) for rank in range(world)]
            assert blocks[0][0] == 0 and blocks[-1][1] == total
            assert all(a[1] == b[0] for a, b in itertools.pairwise(blocks))
            sizes = [stop - start for start, stop in blocks]
            assert max(sizes) - min(sizes) <= 1
            factors = [Parallel(r, world).loss_factor(s, total) for r, s in enumerate(sizes)]
            assert np.isclose(np.mean(factors), 1.0)


def test_single_process_collectives_are_identity() -> None:
    parallel = Parallel()
    assert not parallel.active and parallel.is_main and parallel.rows(10) == (0, 10)
    assert parallel.broadcast({"a": 1}) == {"a": 1}
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.full((3,), 2.0)
    assert parallel.reduce_gradients([p], torch.tensor(0.5)) == 0.5
    assert torch.equal(p.grad, torch.full((3,), 2.0))


def test_two_processes_follow_the_single_process_trajectory(tmp_path: Path) -> None:
    """torchrun, 2 CPU processes (gloo), global batch 250 of mode "full" with dropout,
    interrupted after epoch 2 and resumed: the same losses and weights as one process."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(script), str(tmp_path / "ddp"), "--other-init"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    worker = runpy.run_path(str(script))
    train, validation = worker["data"](3000, 1), worker["data"](1000, 2)
    single = worker["model"]()
    history = fit(single, train, validation=validation, config=worker["CONFIG"], progress=False)
    for rank in (0, 1):
        ddp = json.loads((tmp_path / "ddp" / f"history{rank}.json").read_text())
        assert ddp["world"] == 2
        np.testing.assert_allclose(ddp["loss"], history.loss, rtol=1e-5)
        np.testing.assert_allclose(ddp["val_auc"], history.val_auc, atol=1e-5)
        state = torch.load(tmp_path / "ddp" / f"model{rank}.pt", weights_only=True)
        for key, value in single.state_dict().items():
            torch.testing.assert_close(state[key], value, rtol=1e-5, atol=1e-5)
    assert (tmp_path / "ddp" / "checkpoint.pt").exists()


def test_config_rejects_unknown_device() -> None:
    from hepconditioning.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'cuda'"):
        TrainConfig(device="cuad")
    with pytest.raises(ConfigError, match="precision"):
        TrainConfig(precision="fp8")


@pytest.mark.slow
def test_train_command_launches_torchrun(tmp_path: Path) -> None:
    from hepconditioning.cli import main
    from hepconditioning.training import load_model

    card = tmp_path / "card.toml"
    card.write_text('[data]\nsource = 3000\nseed = 3\n\n[[models]]\ntype = "AffinePNN"\nwidths = [16, 8]\n\n'
                    '[training]\nepochs = 2\nbatch_size = 256\nthreads = 1\n\n[output]\nplots = false\n'
                    'tsne_events = 0\n')
    out = tmp_path / "out"
    assert main(["train", str(card), "--out", str(out), "--quiet", "--nproc", "2"]) == 0
    history = json.loads((out / "history_AffinePNN.json").read_text())
    assert len(history["loss"]) == 2 and np.isfinite(history["loss"]).all()
    assert load_model(out / "models" / "AffinePNN.pt").n_features > 0
    with pytest.raises(SystemExit):
        main(["train", str(card), "--nproc", "0"])
