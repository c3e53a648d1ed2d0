"""Checkpoint signal for Trellis (and DVC 2.x) checkpoint stages.

Copy this file next to your training script (or put its directory on PYTHONPATH)
and call ``make_checkpoint()`` after writing your checkpoint outputs::

    from trellis_checkpoint import make_checkpoint

    for epoch in range(start, epochs):
        train_one_epoch(model)
        save(model, "model.pt")      # an output with `checkpoint: true`
        make_checkpoint()            # Trellis commits a checkpoint, then returns

It speaks DVC's protocol (``dvc.api.make_checkpoint``): when ``DVC_CHECKPOINT`` is
set it creates ``<DVC_ROOT>/.dvc/tmp/DVC_CHECKPOINT`` and waits until the file is
removed, which Trellis (or DVC) does once the checkpoint is recorded. When
``DVC_CHECKPOINT`` is not set (``python train.py``, ``dvc repro``) it returns at
once. Standard library only; Python 3.6+.
"""

import os
import time

__all__ = ["make_checkpoint", "signal_path", "SIGNAL_FILE"]

SIGNAL_FILE = "DVC_CHECKPOINT"


def _find_root(start):
    directory = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(directory, ".dvc")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            raise RuntimeError(
                "make_checkpoint: DVC_CHECKPOINT is set, DVC_ROOT is not, "
                "and there is no .dvc directory above " + start
            )
        directory = parent


def signal_path():
    """The signal file of this run, or None outside a checkpoint run."""
    if os.environ.get("DVC_CHECKPOINT") is None:
        return None
    root = os.environ.get("DVC_ROOT") or _find_root(os.getcwd())
    return os.path.join(root, ".dvc", "tmp", SIGNAL_FILE)


def make_checkpoint(poll_interval=0.01):
    """Ask for a checkpoint and wait until it is recorded (no-op outside Trellis/DVC)."""
    path = signal_path()
    if path is None:
        return
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    with open(path, "w") as fobj:
        fobj.flush()
        os.fsync(fobj.fileno())
    while os.path.exists(path):
        time.sleep(poll_interval)


if __name__ == "__main__":
    make_checkpoint()
