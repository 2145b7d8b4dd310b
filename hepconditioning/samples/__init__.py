"""Your own ntuples as a run card's data: the feature recipe (:mod:`.recipe`, shared with the
``apply`` spec), ``[[samples]]`` (:mod:`.card`) and their reading with physical weights
(:mod:`.read`)."""

from __future__ import annotations

from hepconditioning.samples.card import Sample, SumWeights, parse_samples
from hepconditioning.samples.read import SampleSet, normalization, read_samples
from hepconditioning.samples.recipe import FeatureRecipe, RecipeEntry, parse_features

__all__ = ["FeatureRecipe", "RecipeEntry", "Sample", "SampleSet", "SumWeights", "normalization", "parse_features",
           "parse_samples", "read_samples"]
