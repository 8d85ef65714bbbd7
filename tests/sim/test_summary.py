"""The run summary: rejections by error and by command, in text and JSON."""

from __future__ import annotations

from workbench.sim.messages import CommandMessage, Rejected, Run
from workbench.sim.summary import SHOW_REJECTING, Summary


def _rejected(command: str, error: str) -> Rejected:
    message = CommandMessage(name=command, fields={}, command_id="c", correlation_id="c")
    return Rejected(command=message, stream_id="S-1", error=error)


def test_rejections_are_listed_per_command_with_the_rest_folded() -> None:
    summary = Summary("M", "test", 0, 1, "NORMAL")
    run = Run()
    names = [f"Command{i:02d}" for i in range(SHOW_REJECTING + 3)]
    for index, name in enumerate(names):
        run.results += [_rejected(name, "Nope")] * (len(names) - index)  # first most
    run.results.append(_rejected(names[0], "Other"))
    summary.add_run(run)
    lines = [" ".join(line.split()) for line in summary.text_lines()]
    listed = [line for line in lines if line.startswith("Command")]
    assert listed[0] == f"Command00 {len(names) + 1} Nope {len(names)}, Other 1"
    assert [line.split()[0] for line in listed] == names[:SHOW_REJECTING]
    assert "others 6 3 more commands" in lines  # 3 + 2 + 1 rejections of the last three
    by_command = summary.outcome()["commands"]["rejected_by_command"]
    assert list(by_command) == names  # JSON keeps every one, most rejected first
    assert by_command["Command00"] == {"Nope": len(names), "Other": 1}
