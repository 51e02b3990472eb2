"""``fitglute cron install|show|remove``: one crontab entry running ``fitglute sync --quiet``.

Every test edits a plain file through ``FITGLUTE_CRONTAB`` (or hides the crontab program), so the
crontab of whoever runs the tests is never touched.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from fitglute.cli import app
from fitglute.sync import cron

OTHER_ENTRIES = "MAILTO=ann@example.org\n0 5 * * * /usr/local/bin/backup --nightly # backup\n"


@pytest.fixture(autouse=True)
def tabfile(tmp_path, monkeypatch):
    path = tmp_path / "crontab"
    monkeypatch.setenv("FITGLUTE_CRONTAB", str(path))
    return path


def cli(*args: str):
    """``cron …``; an install makes no trial run unless a test asks for one (``--check``)."""
    if args and args[0] == "install" and "--check" not in args:
        args = (*args, "--no-check")
    return CliRunner().invoke(app, ["cron", *[a for a in args if a != "--check"]])


def entries(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if cron.COMMENT in line]


@pytest.mark.parametrize(
    ("every", "expr"),
    [("15m", "*/15 * * * *"), ("30m", "*/30 * * * *"), ("1h", "7 * * * *"), ("6h", "7 */6 * * *"), ("1d", "7 6 * * *")],
)
def test_valid_schedules(every, expr, tabfile):
    result = cli("install", "--every", every)
    assert result.exit_code == 0, result.output
    (line,) = entries(tabfile)
    assert line.startswith(expr + " ") and line.endswith("# fitglute-sync")
    assert f"installed: {line}" in result.stdout
    assert "sync.log (rotated)" in result.stdout
    assert "Strava cost at --every" in result.stdout


@pytest.mark.parametrize("every", ["7m", "5h", "2d", "0m", "90m", "soon", ""])
def test_invalid_schedules_exit_2_with_one_line(every, tabfile):
    result = cli("install", "--every", every)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("fitglute: --every")
    assert not tabfile.exists()  # nothing was written


def test_install_twice_keeps_one_entry_and_the_others(tabfile):
    tabfile.write_text(OTHER_ENTRIES)
    assert cli("install", "--every", "1h").exit_code == 0
    assert cli("install", "--every", "15m").exit_code == 0
    (line,) = entries(tabfile)
    assert line.startswith("*/15 * * * * ")
    assert tabfile.read_text().startswith(OTHER_ENTRIES)

    shown = cli("show")
    assert shown.exit_code == 0 and shown.stdout.strip() == line

    removed = cli("remove")
    assert removed.exit_code == 0 and "removed the fitglute cron entry" in removed.stdout
    assert tabfile.read_text() == OTHER_ENTRIES
    assert cli("show").stdout.strip() == "no fitglute cron entry"
    assert "no fitglute cron entry to remove" in cli("remove").stdout


def test_the_line_runs_this_interpreter_quietly_with_fitglute_home(tmp_path, monkeypatch, tabfile):
    home = tmp_path / "my home"  # a space: the line must quote it
    monkeypatch.setenv("FITGLUTE_HOME", str(home))
    assert cli("install", "--every", "1h").exit_code == 0
    (line,) = entries(tabfile)
    command = line[len("7 * * * * ") : line.index(" # ")]
    assert shlex.split(command) == [f"FITGLUTE_HOME={home}", sys.executable, "-m", "fitglute", "sync", "--quiet"]

    # What cron would run, run by a shell: a real `fitglute sync --quiet` (not connected yet → exit 4).
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4 and done.stdout == ""
    assert done.stderr.strip() == "fitglute: Not connected to Strava yet: run `fitglute auth strava`."
    assert (home / "state" / "sync.log").is_file()


def test_without_fitglute_home_the_line_has_no_prefix(monkeypatch):
    monkeypatch.delenv("FITGLUTE_HOME")
    assert shlex.split(cron.sync_command()) == [sys.executable, "-m", "fitglute", "sync", "--quiet"]


def test_percent_signs_are_escaped_for_cron(tmp_path, monkeypatch, tabfile):
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path / "100%"))  # cron reads a bare % as a newline
    result = cli("install", "--every", "1h")
    (line,) = entries(tabfile)
    assert "100\\%" in line and line.count("%") == line.count("\\%")
    assert f"installed: {line}" in result.stdout and cron.line("1h") == line
    assert cli("show").stdout.strip() == line  # read back and written again unchanged
    assert cli("install", "--every", "1h").exit_code == 0 and entries(tabfile) == [line]


def test_without_a_crontab_program_the_line_is_printed(tmp_path, monkeypatch):
    monkeypatch.delenv("FITGLUTE_CRONTAB")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `crontab` anywhere
    assert not cron.available()

    result = cli("install", "--every", "6h")
    assert result.exit_code == 0
    told = result.stdout.splitlines()
    assert told[:2] == ["no crontab program here; add this line to your scheduler:", cron.line("6h")]
    assert cron.line("6h").startswith("7 */6 * * * ") and "-m fitglute sync --quiet" in cron.line("6h")
    assert cli("show").stdout.strip() == "no fitglute cron entry (no crontab program here)"
    assert cli("remove").stdout.strip() == "no fitglute cron entry to remove"
    bad = cli("install", "--every", "5h")
    assert bad.exit_code == 2 and bad.stderr.startswith("fitglute: --every 5h")


# ------------------------------------------------------------------------ the trial run, the cost
@pytest.fixture
def fake(monkeypatch, home):
    from fake_strava import fake_strava_fixture

    yield from fake_strava_fixture(monkeypatch, home)


def strava_in_config(fake) -> None:
    """cron sees no environment: where Strava is (here the fake) must be in config.toml."""
    from fitglute import config

    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text(f'[strava]\nbase_url = "{fake.base_url}"\n', encoding="utf-8")


def test_install_refuses_when_cron_would_not_find_the_app_secret(fake, tabfile, monkeypatch):
    """The secret only in this shell's environment: every cron run would exit 4 "credentials missing"."""
    strava_in_config(fake)
    fake.login()  # tokens as an older `auth strava` left them: no client secret in the file
    result = CliRunner().invoke(app, ["cron", "install", "--every", "15m"])
    assert result.exit_code == 2, result.output
    assert "not installed" in result.stderr and "exits 4" in result.stderr
    assert "credentials missing" in result.stderr and "fitglute auth strava" in result.stderr
    assert not tabfile.exists() or entries(tabfile) == []
    assert fake.calls() == []  # the trial stopped before Strava: it had no secret to refresh with


def test_install_after_auth_strava_works_under_cron_and_says_what_it_costs(fake, tabfile, home, monkeypatch):
    from fake_strava import CLIENT_SECRET

    strava_in_config(fake)
    monkeypatch.setattr("fitglute.commands.auth.secrets.token_urlsafe", lambda n=16: "st")
    pasted = f"http://127.0.0.1/callback?state=st&code={fake.issue_code()}&scope={fake.grant_scope}\n"
    login = CliRunner().invoke(app, ["auth", "strava", "--no-browser"], input=pasted)  # secret from env vars
    assert login.exit_code == 0, login.output
    token = (home / "config" / "strava_tokens.json").read_text()
    assert CLIENT_SECRET in token  # kept for cron, in the 0600 file
    assert oct((home / "config").stat().st_mode & 0o777) == "0o700"

    mark = len(fake.calls())
    result = CliRunner().invoke(app, ["cron", "install", "--every", "15m"])
    assert result.exit_code == 0, result.output
    (line,) = entries(tabfile)
    assert line.startswith("*/15 * * * * ")
    assert [c.path for c in fake.calls()[mark:]] == ["/api/v3/athlete/activities"]  # the trial really synced
    assert (
        "(96 syncs a day): a sync with nothing new asks Strava nothing, except one look a day (1 request, "
        in result.stdout
    )
    assert "each new or changed note costs 3" in result.stdout


@pytest.mark.parametrize(
    ("every", "activities", "per_day", "pages"),
    [("15m", 30, 2, 2), ("1h", 30, 2, 2), ("5m", 250, 3, 3), ("1d", 0, 1, 1), ("15m", 200, 2, 2)],
)
def test_the_cost_of_a_schedule(every, activities, per_day, pages):
    """With nothing new, one full look a day whatever the interval: the listing's pages, once."""
    cost = cron.daily_cost(every, activities)
    assert (cost.per_day_idle, cost.list_requests) == (per_day, pages)
    assert cost.per_new_run == pages + 2  # the listing, one read, one write
