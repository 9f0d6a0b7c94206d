"""The sample-ledger tests skip only where the folder is truly absent, and never under CI."""

import pytest

from tests.conftest import SAMPLE_FILES, check_sample_data


def complete(folder):
    folder.mkdir(exist_ok=True)
    for name in SAMPLE_FILES:
        (folder / name).write_text("Customer ID,Sales\nC1,1\n")
    return folder


def test_a_complete_folder_runs_the_tests(tmp_path):
    check_sample_data(complete(tmp_path / "data"), ci=False)
    check_sample_data(complete(tmp_path / "data"), ci=True)


def test_no_folder_skips_outside_ci(tmp_path):
    with pytest.raises(pytest.skip.Exception, match="no folder"):
        check_sample_data(tmp_path / "absent", ci=False)


def test_no_folder_fails_under_ci(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="CI runs every test"):
        check_sample_data(tmp_path / "absent", ci=True)


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_a_folder_lacking_a_file_fails_even_outside_ci(tmp_path, damage):
    folder = complete(tmp_path / "data")
    if damage == "missing":
        (folder / SAMPLE_FILES[1]).unlink()
    else:
        (folder / SAMPLE_FILES[1]).write_text("")
    with pytest.raises(pytest.fail.Exception, match=SAMPLE_FILES[1]):
        check_sample_data(folder, ci=False)
