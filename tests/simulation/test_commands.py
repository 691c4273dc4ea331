"""``kafka-platform simulate`` and ``kafka-platform bench``: what they print and write, and their errors."""

import json

import pytest

from kafka_platform.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def assembly(synthesized):
    return str(synthesized.assembly.directory)


def test_simulate_prints_every_policy_and_writes_a_plot_and_json(assembly, tmp_path, capsys):
    assert main(["simulate", "--assembly", assembly, "--stage", "Prod", "--service", "loan-approvals",
                 "--seeds", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Prod/loan-approvals on month-end: 24 partitions, 40 messages/s per task, delay target "
                          "120 s, needed_tasks\n")
    for policy in ("platform", "single-threshold", "keda", "static-peak", "static-mean", "reactive-bound", "oracle"):
        assert f"| {policy} " in out
    assert "3 seeds; single threshold tuned to {'add_at': " in out
    assert (tmp_path / "prod-loan-approvals-month-end.png").read_bytes()[:8] == PNG
    document = json.loads((tmp_path / "prod-loan-approvals-month-end.json").read_text())
    [entry] = document["comparisons"]
    assert (entry["service"], entry["profile"], entry["partitions"], entry["delay_target_seconds"]) == (
        "loan-approvals", "month-end", 24, 120)
    assert set(entry["policies"]["platform"]) == {
        "task_minutes", "task_minutes_vs_oracle", "task_minutes_vs_fluid", "max_lag", "worst_delay_seconds",
        "minutes_above_target", "scaling_actions", "drain_minutes"}
    assert entry["policies"]["oracle"]["task_minutes_vs_oracle"] == {"median": 1.0, "p90": 1.0}
    assert set(entry["policies"]["platform"]["minutes_above_target"]) == {"median", "p90"}
    assert entry["seeds"] == 3 and entry["policies"]["fluid-bound"]["task_minutes"] > 0
    assert set(entry["policies"]["single-threshold"]["tuned"]) == {
        "add_at", "remove_below", "scale_out_cooldown_seconds", "scale_in_cooldown_seconds"}
    assert len(entry["minutes"]["platform"]) == 405 and set(entry["minutes"]["platform"][0]) == {
        "minute", "rate", "lag", "delay", "tasks", "consumers", "desired", "datapoint", "running"}


def test_simulate_takes_a_teams_own_load_and_consumer_model(assembly, tmp_path, capsys):
    csv = tmp_path / "black-friday.csv"
    csv.write_text("minute,messages_per_second\n" + "".join(f"{m},{50 if m < 30 else 900}\n" for m in range(90)))
    assert main(["simulate", "--assembly", assembly, "--stage", "Prod", "--service", "credit-assessment",
                 "--profile-csv", str(csv), "--throughput", "25", "--startup-seconds", "90",
                 "--rebalance-seconds", "10-20", "--seeds", "2", "--out", str(tmp_path)]) == 0
    assert "Prod/credit-assessment on black-friday: 24 partitions, 25 messages/s per task" in capsys.readouterr().out
    [entry] = json.loads((tmp_path / "prod-credit-assessment-black-friday.json").read_text())["comparisons"]
    assert entry["model"] == {"task_throughput": 25.0, "startup_seconds": [90.0, 90.0],
                              "rebalance_seconds": [10.0, 20.0], "publish_delay_seconds": [60.0, 150.0]}


def test_simulate_runs_the_scheduled_actions_on_the_clock_given(assembly, tmp_path, capsys):
    """A team's own CSV has no clock: its scheduled actions run only from --start, and the output says which."""
    csv = tmp_path / "quiet.csv"
    csv.write_text("minute,messages_per_second\n" + "".join(f"{m},100\n" for m in range(20)))
    common = ["simulate", "--assembly", assembly, "--stage", "Prod", "--service", "loan-approvals", "--profile-csv",
              str(csv), "--seeds", "1"]
    assert main([*common, "--out", str(tmp_path / "no-clock")]) == 0
    assert ("2 scheduled actions not run: the profile has no clock (give --start, e.g. 2026-12-31T07:00)"
            in capsys.readouterr().out)
    assert main([*common, "--start", "2026-11-30T08:45", "--out", str(tmp_path / "month-end")]) == 0
    assert ("from 2026-11-30T08:45:00+00:00: scheduled actions month-end-prewarm, month-end-over (platform, "
            "single-threshold, keda)") in capsys.readouterr().out
    for folder, desired in (("no-clock", {3}), ("month-end", {3, 24})):
        [entry] = json.loads((tmp_path / folder / "prod-loan-approvals-quiet.json").read_text())["comparisons"]
        assert {m["desired"] for m in entry["minutes"]["platform"]} == desired, folder
    assert [m["desired"] for m in entry["minutes"]["platform"]][4:6] == [3, 24]  # 08:50 is minute 5
    assert entry["start"] == "2026-11-30T08:45:00+00:00" and entry["scheduled_actions"][0] == {
        "name": "month-end-prewarm", "schedule": "cron(50 8 L * ? *)", "min_tasks": 24, "max_tasks": None,
        "timezone": "Europe/London"}


@pytest.mark.parametrize("arguments,expected", [
    (["--service", "payments"],
     "kafka-platform simulate: --service: \"payments\" is not a lag-scaled consumer service of {assembly}; known: "
     "Dev/card-fraud-screening, Dev/credit-assessment, Dev/loan-approvals, Dev/repayments-processor, "
     "Prod/card-fraud-screening, Prod/credit-assessment, Prod/loan-approvals, Prod/repayments-processor, "
     "Staging/card-fraud-screening, Staging/credit-assessment, Staging/loan-approvals, "
     "Staging/repayments-processor"),
    (["--service", "loan-approvals"],
     "kafka-platform simulate: --stage: is needed: \"loan-approvals\" is deployed in Dev, Prod, Staging; name one"),
    (["--service", "loan-approvals", "--stage", "Prod", "--profile", "black-friday"],
     "kafka-platform simulate: --profile: \"black-friday\" is not a shipped profile; use one of month-end, campaign, "
     "daily-cycle, consumer-crash, noisy-month-end, or --profile-csv FILE"),
    (["--service", "loan-approvals", "--stage", "Prod", "--throughput", "0"],
     "kafka-platform simulate: --throughput: 0.0 is not a throughput; give the messages one task processes per "
     "second, above 0"),
    (["--service", "loan-approvals", "--stage", "Prod", "--rebalance-seconds", "-1"],
     "kafka-platform simulate: --rebalance-seconds: \"-1\" is not a time between 0 and 600 seconds; give one figure "
     "(60) or a range drawn per event (30-120)"),
    (["--service", "loan-approvals", "--stage", "Prod", "--startup-seconds", "120-30"],
     "kafka-platform simulate: --startup-seconds: \"120-30\" is not a time between 0 and 600 seconds; give one "
     "figure (60) or a range drawn per event (30-120)"),
    (["--service", "loan-approvals", "--stage", "Prod", "--start", "last day of the month"],
     "kafka-platform simulate: --start: \"last day of the month\" is not a date and time; write e.g. 2026-12-31T07:00 "
     "(UTC) or 2026-12-31T07:00+01:00"),
    (["--service", "loan-approvals", "--stage", "Prod", "--seeds", "0"],
     "kafka-platform simulate: --seeds: 0 is not between 1 and 1000 runs per policy"),
])
def test_simulate_refuses_bad_input_with_one_line_and_the_fix(assembly, tmp_path, capsys, arguments, expected):
    assert main(["simulate", "--assembly", assembly, "--out", str(tmp_path), *arguments]) == 1
    assert capsys.readouterr().err.strip() == expected.format(assembly=assembly)
    assert not list(tmp_path.iterdir())


def test_simulate_without_an_assembly_says_to_synthesize_first(tmp_path, capsys):
    assert main(["simulate", "--assembly", str(tmp_path / "cdk.out"), "--service", "x"]) == 1
    assert capsys.readouterr().err.strip() == (f"{tmp_path / 'cdk.out'}: holds no cloud assembly (manifest.json); "
                                               "run make synth (or cdk synth) first")


def test_bench_prints_the_table_and_writes_it_with_json_and_plots(assembly, tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--assembly", assembly, "--stage", "Dev", "--profile", "month-end", "--seeds", "2",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = (out / "table.md").read_text()
    assert table in printed
    rows = [line for line in table.splitlines() if line.startswith("| Dev ")]
    assert len(rows) == 4 and all("| month-end " in row for row in rows)
    assert "| card-fraud-screening (tracking) |" in table
    assert table.splitlines()[0].startswith("| stage ")
    results = json.loads((out / "results.json").read_text())["comparisons"]
    assert {(c["service"], c["profile"]) for c in results} == {
        (name, "month-end") for name in ("loan-approvals", "repayments-processor", "credit-assessment",
                                         "card-fraud-screening")}
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert plots == ["dev-card-fraud-screening-month-end.png", "dev-credit-assessment-month-end.png",
                     "dev-loan-approvals-month-end.png", "dev-repayments-processor-month-end.png"]
    assert all((out / "plots" / p).read_bytes()[:8] == PNG for p in plots)


def test_bench_refuses_an_unknown_profile(assembly, tmp_path, capsys):
    assert main(["bench", "--assembly", assembly, "--profile", "black-friday", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == ("kafka-platform bench: --profile: \"black-friday\" is not a shipped "
                                               "profile; use month-end, campaign, daily-cycle, consumer-crash, "
                                               "noisy-month-end")


def test_simulate_runs_without_matplotlib_and_says_the_plot_was_skipped(assembly, tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["simulate", "--assembly", assembly, "--stage", "Prod", "--service", "loan-approvals",
                 "--seeds", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(no plot: matplotlib is not installed; pip install 'cdk-kafka-platform[simulation]')" in out
    assert (tmp_path / "prod-loan-approvals-month-end.json").exists()
    assert not (tmp_path / "prod-loan-approvals-month-end.png").exists()


def test_simulate_no_plot_writes_the_json_only(assembly, tmp_path, capsys):
    assert main(["simulate", "--assembly", assembly, "--stage", "Prod", "--service", "loan-approvals",
                 "--seeds", "2", "--out", str(tmp_path), "--no-plot"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("prod-loan-approvals-month-end.json")
    assert not (tmp_path / "prod-loan-approvals-month-end.png").exists()
