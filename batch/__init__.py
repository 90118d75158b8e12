"""Batch runs: sweeps over scenario keys, resumable storage, executors, reports, sensitivity."""
