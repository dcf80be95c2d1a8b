"""The batch on a real local Dask cluster (2 worker processes on loopback): same report."""

from __future__ import annotations

import json

import pytest
from test_batch import make_media, partials, write_scenario

from clipforge.batch import MANIFEST_NAME, run_batch
from clipforge.media import probe

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_dask_runs_the_same_batch(tmp_path, cluster):
    media = make_media(tmp_path)
    local = run_batch(write_scenario(media, "local"), workers=2)
    remote = run_batch(write_scenario(media, "dask"), scheduler=cluster.scheduler_address)

    assert remote.scheduler == cluster.scheduler_address and remote.workers is None
    assert [j.status for j in remote.jobs] == [j.status for j in local.jobs]
    assert [j.kind for j in remote.jobs] == [j.kind for j in local.jobs]
    assert [j.attempts for j in remote.jobs] == [j.attempts for j in local.jobs]
    assert [j.status for j in remote.jobs].count("done") == 6
    assert "broken.mp4" in remote.jobs[3].error and "fog" in remote.jobs[5].error
    assert probe(media / "dask" / "7.mp4").width == 180
    recorded = json.loads((media / "dask" / MANIFEST_NAME).read_text())["outputs"]
    assert len(recorded) == 6
    assert not partials(media)

    # The manifest written by the client makes a second run skip everything, here too.
    again = run_batch(write_scenario(media, "dask"), scheduler=cluster.scheduler_address)
    assert [j.status for j in again.jobs].count("skipped") == 6


def test_dask_missing_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    import clipforge.batch.distributed as dask_batch
    from clipforge.errors import ClipforgeError

    monkeypatch.setattr(dask_batch, "CONNECT_TIMEOUT", "2s")
    media = make_media(tmp_path)
    with pytest.raises(ClipforgeError, match="cannot reach the Dask scheduler"):
        run_batch(write_scenario(media), scheduler="tcp://127.0.0.1:9")


def test_missing_extra_says_what_to_install(monkeypatch):
    import sys

    from clipforge.batch.distributed import import_distributed
    from clipforge.errors import ClipforgeError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ClipforgeError, match=r'pip install "clipforge\[distributed\]"'):
        import_distributed()
