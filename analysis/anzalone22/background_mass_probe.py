"""Why the pNN scored 16 % AUC at 750 GeV in Table 4: the background-mass assignment (issue 14).

    python -m analysis.anzalone22.background_mass_probe N EPOCHS VARIANTS [pnn|affine] [none|class]

Generates N HEPMASS stand-in events (seed 11; a test set of N/4, seed 12), builds HEPMASS-IMB
(scale = signal per mass / 700k), removes the 750/1000/1250 GeV signal, trains the pNN (or
AffinePNN) for EPOCHS epochs on one thread with each background-mass VARIANT (comma-separated)
and prints the AUC at the five masses and the mean background score vs m_WWbb at m = 500, 750,
1000, 1500 GeV:

- ``identical``: drawn from the training signal's masses with its frequencies (the package's
  default before the fix: 99.4 % of the background at 500 GeV, 0.6 % at 1500);
- ``points``: the training signal's mass points {500, 1500}, equal frequencies (the reference
  implementation's scheme, ``TrainConfig``'s default since issue 19);
- ``five``: all five HEPMASS points, equal frequencies, redrawn every epoch (the five-point
  pool, ``TrainConfig(background_mass_points=...)``);
- ``column``: the generated background's own mass column (uniform over the five points),
  fixed — what the real HEPMASS-IMB file holds.

The outputs of the runs quoted in docs/results.md are in results/anzalone22/probe_750/.
"""

import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
import hepconditioning as hc  # noqa: E402
from hepconditioning.datasets import hepmass  # noqa: E402
from hepconditioning.datasets.hepmass import unstandardize  # noqa: E402
from hepconditioning.evaluation import evaluate_scores, evaluation_events, without_mass_points  # noqa: E402
from hepconditioning.sampling import background_mass  # noqa: E402
from hepconditioning.training import BatchSource  # noqa: E402

N = int(sys.argv[1])
EPOCHS = int(sys.argv[2])
variants = sys.argv[3].split(",")
model_kind = sys.argv[4] if len(sys.argv) > 4 else "pnn"
BAL = sys.argv[5] if len(sys.argv) > 5 else "none"
t0 = time.process_time()
gen = hepmass.generate(N, seed=11)
test = hepmass.generate(N // 4, seed=12)
print("gen cpu", time.process_time() - t0, flush=True)
raw = unstandardize(test.x)
mwwbb = raw[:, 26]
print("bkg m_WWbb quantiles 10/25/50/75/90:", np.percentile(mwwbb[test.labels == 0], [10, 25, 50, 75, 90]).round(0))
for m in test.mass_points:
    s = mwwbb[(test.labels == 1) & (test.mass == m)]
    print(f"sig {m:.0f}: median {np.median(s):.0f} q16/84 {np.percentile(s,16):.0f}/{np.percentile(s,84):.0f}")
imb = hepmass.make_imbalanced(gen, seed=1)
train_all = without_mass_points(imb, [750, 1000, 1250])
train, val = train_all.split(0.25, seed=3)
print("train n", len(train), "signal per mass", {float(m): int(((train.labels==1)&(train.mass==m)).sum()) for m in train.mass_points})
ev = evaluation_events(test)

class Source(BatchSource):
    def __init__(self, events, config, mode):
        self.mode = mode
        super().__init__(events, config)
    def set_epoch(self, epoch):
        self.sampler.set_epoch(epoch)
        if self.mode == "points":   # paper code: choice(unique signal mass points)
            m = background_mass(self.events, seed=self.config.seed, epoch=epoch, mass_points=[500., 1500.])
        elif self.mode == "five":
            m = background_mass(self.events, seed=self.config.seed, epoch=epoch, mass_points=[500., 750., 1000., 1250., 1500.])
        elif self.mode == "column":  # real IMB: the original HEPMASS mass column (five points), fixed
            m = self.events.mass
        else:
            m = background_mass(self.events, seed=self.config.seed, epoch=epoch,
                                mass_points=self.events.mass[self.events.labels == 1])  # IMB frequencies
        self.mass.copy_(torch.from_numpy(np.ascontiguousarray(m)))

out = {}
for var in variants:
    torch.manual_seed(0)
    model = hc.nn.AffinePNN(27) if model_kind == "affine" else hc.nn.ParametricNN(27)
    cfg = hc.training.TrainConfig(epochs=EPOCHS, balance=BAL, seed=0, threads=1)
    t = time.process_time()
    hist = hc.training.fit(model, train, validation=val, config=cfg, progress=False, batches=Source(train, cfg, var))
    sc = hc.nn.predict(model, ev)
    tab = evaluate_scores(ev, sc)
    aucs = [round(100 * r.auc, 1) for r in tab.rows()]
    print(var, model_kind, "AUC%", aucs, "best epoch", hist.best_epoch, "cpu", round(time.process_time() - t), flush=True)
    # score vs m_WWbb for background at m=500/750/1500
    bins = [300, 400, 450, 500, 550, 600, 700, 800, 1000, 1300, 1700, 5000]
    bk = test.background
    rb = unstandardize(bk.x)[:, 26]
    idx = np.digitize(rb, bins)
    for m in (500., 750., 1000., 1500.):
        p = hc.nn.predict(model, bk.replace(mass=np.full(len(bk), m, np.float32)))
        prof = [round(float(np.mean(p[idx == i])), 2) if np.any(idx == i) else None for i in range(1, len(bins))]
        print(f"  bkg score vs m_WWbb bins {bins} at m={m:.0f}: {prof}")
    out[var] = aucs
print(json.dumps(out))
