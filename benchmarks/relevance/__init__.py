"""The relevance harness: IR test collections, baselines, the reference model, tuning."""
