"""The hotel data set read in a process of its own: the same lines, the file's errors, no orphan."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from casetrail.adapters.importers import hotel_bookings
from casetrail.adapters.processes.import_reader import CHUNK_LINES, HotelBookingsReader
from tests.test_hotel_bookings import SLICE
from tests.test_view_follower import ROOT, _children, _ends_within


def test_the_reader_sends_the_lines_of_the_data_set_in_their_order() -> None:
    reader = HotelBookingsReader(str(SLICE))
    assert reader.start() == 2000
    lines = list(reader.lines())
    assert lines == list(hotel_bookings.events(hotel_bookings.read_stays(str(SLICE))))
    assert reader.events == len(lines) > CHUNK_LINES  # more than one chunk came over


def test_the_first_rows_only() -> None:
    reader = HotelBookingsReader(str(SLICE), rows=10)
    assert reader.start() == 10
    assert list(reader.lines()) == list(hotel_bookings.events(hotel_bookings.read_stays(str(SLICE))[:10]))


def test_the_files_own_errors_reach_the_import(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        HotelBookingsReader(str(tmp_path / "missing.csv")).start()
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(hotel_bookings.DataSetError, match="missing columns"):
        HotelBookingsReader(str(other)).start()


def test_a_reader_whose_import_is_killed_ends_by_itself() -> None:
    # The parent reads the row count and then nothing: the reader fills the queue and waits.
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from casetrail.adapters.processes.import_reader import HotelBookingsReader\n"
         "if __name__ == '__main__':\n"
         "    HotelBookingsReader(sys.argv[1]).start()\n"
         "    print('started', flush=True)\n"
         "    time.sleep(60)\n",
         str(SLICE)],
        cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"started\n"
        time.sleep(1.0)
        children = _children(parent.pid)
        assert children
    finally:
        parent.kill()
        parent.wait()
    assert all(_ends_within(child, 20) for child in children), "the reader outlived its killed import"
