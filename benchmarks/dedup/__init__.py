"""Near-duplicate detection: the labelled pairs, the synthetic copies and the evaluation."""
