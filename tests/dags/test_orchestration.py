"""The run window and the defaults every DAG shares."""
from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from vnict.orchestration import default_args, run_window

TZ = "Asia/Ho_Chi_Minh"


def test_window_is_the_data_interval_by_default():
    start = pendulum.datetime(2024, 3, 19, 2, tz=TZ)
    end = start.add(days=1)
    assert run_window(start, end, {"since": None, "until": None}) == (start, end)


def test_params_override_the_interval_in_local_time():
    start = pendulum.datetime(2026, 11, 21, 2, tz=TZ)
    got_start, got_end = run_window(start, start.add(days=1), {"since": "2018-01-01", "until": "2018-02-01"})
    assert got_start == pendulum.datetime(2018, 1, 1, tz=TZ)
    assert got_end == pendulum.datetime(2018, 2, 1, tz=TZ)
    assert got_start.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("params, message", [
    ({"since": "2024-02-01", "until": "2024-01-01"}, "empty window"),
    ({"since": "yesterday-ish"}, "cannot read"),
])
def test_bad_params_say_what_is_wrong(params, message):
    start = pendulum.datetime(2024, 3, 19, 2, tz=TZ)
    with pytest.raises(ValueError, match=message):
        run_window(start, start.add(days=1), params)


def test_retries_back_off_and_can_be_shortened(monkeypatch):
    args = default_args()
    assert args["retries"] >= 1 and args["retry_exponential_backoff"]
    monkeypatch.setenv("VNICT_TASK_RETRIES", "1")
    monkeypatch.setenv("VNICT_RETRY_DELAY_SECONDS", "2")
    assert default_args()["retries"] == 1
    assert default_args()["retry_delay"] == timedelta(seconds=2)
