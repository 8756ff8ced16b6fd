"""``corridor acl plan``: the plan as a table and as JSON, without a broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main

CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "local" / "taskforce.toml"


def test_plan_json_lists_each_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["acl", "plan", "--config", str(CONFIG), "--json", "--topic-prefix", "x"]) == 0
    rules = json.loads(capsys.readouterr().out)
    fia = {
        (r["operation"], r["resource_type"], r["resource_name"], r["pattern"])
        for r in rules
        if r["principal"] == "User:PK-FIA"
    }
    assert ("WRITE", "TOPIC", "x.inbound.PK-FIA", "LITERAL") in fia
    assert ("READ", "TOPIC", "x.inbox.PK-FIA", "LITERAL") in fia
    assert ("READ", "GROUP", "corridor-inbox-PK-FIA.", "PREFIXED") in fia
    assert not any("TR-SG" in name for _, _, name, _ in fia)
    assert {r["principal"] for r in rules} >= {"User:TF-HUB", "User:PK-FIA", "User:EU-EUROPOL"}


def test_plan_table_and_custom_hub(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "acl",
            "plan",
            "--config",
            str(CONFIG),
            "--hub-principal",
            "User:hub-services",
            "--streams-app-id",
            "tf-app",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split() == ["PRINCIPAL", "OPERATION", "TYPE", "PATTERN", "RESOURCE"]
    assert "User:hub-services" in out and "User:TF-HUB" not in out
    assert "tf-app-" in out
    assert "(everything else is denied)" in out


def test_bad_hub_principal_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["acl", "plan", "--config", str(CONFIG), "--hub-principal", "TF-HUB"]) == 2
    assert "not a principal like User:TF-HUB" in capsys.readouterr().err
