"""Two app replicas (`python app.py` processes, own data dirs) sharing a real Postgres, a `chroma run` server and
the stub model, behind nginx with deploy/nginx.conf: any replica continues any session, a SIGKILLed replica loses
no answer, and two replicas answering one session at once are serialised (one step runs, the other is refused)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from app_process import AppProcess, stub_reply
from conftest import ROOT, free_port, wait_http
from gradio_client import Client
from gradio_client.exceptions import AppError

from interviewer.llm.stub import StubServer
from interviewer.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.chroma_server]
SETUP = {"banks": ["ml_system_design"], "mode": "study", "difficulty": "adaptive"}
BUSY = "still working on your previous message"


class Gate:
    """Holds the stub model's replies while closed, so a step stays in flight (its session locked) as long as the
    test needs; `entered` is set when a request is waiting at it."""

    def __init__(self) -> None:
        self.open, self.entered = threading.Event(), threading.Event()
        self.open.set()

    def reply(self, body: dict) -> str:
        if not self.open.is_set():
            self.entered.set()
            self.open.wait(60)
        return stub_reply(body)

    def close(self) -> None:
        self.entered.clear()
        self.open.clear()


@dataclass
class Cluster:
    store: Store
    gate: Gate
    a: AppProcess
    b: AppProcess
    proxy_url: str

    def client(self, app: AppProcess) -> Client:
        return Client(app.url, verbose=False, httpx_kwargs={"timeout": 60})

    def app_id(self, app: AppProcess) -> int:
        """Gradio's id of that process's app (a different one in each process)."""
        return httpx.get(f"{app.url}config", timeout=30).json()["app_id"]


def start_nginx(tmp: Path, upstreams: list[int]) -> tuple[subprocess.Popen, int]:
    """deploy/nginx.conf as the README runs it, with free ports in place of 8080 and the replicas' 7861, 7862."""
    port = free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+.*$", conf, re.M)
    assert len(servers) == len(upstreams) == 2, servers
    for line, upstream in zip(servers, upstreams):
        conf = conf.replace(line, re.sub(r":\d+", f":{upstream}", line, count=1))
    conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    (tmp / "logs").mkdir(parents=True)
    (tmp / "nginx.conf").write_text(conf)
    with (tmp / "stderr.log").open("w") as err:
        proc = subprocess.Popen(
            ["nginx", "-e", "stderr", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout=30)
    except TimeoutError:
        proc.kill()
        raise AssertionError(f"nginx did not start: {(tmp / 'stderr.log').read_text()}") from None
    return proc, port


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_server):
    if not Path("/usr/sbin/nginx").exists():
        pytest.skip("Debian's nginx is not installed (make test installs it)")
    tmp = tmp_path_factory.mktemp("replicas")
    chroma_port = free_port()
    chroma = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(tmp / "chroma")]
        + ["--host", "127.0.0.1", "--port", str(chroma_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    gate = Gate()
    with StubServer(reply=gate.reply) as stub:
        url = postgres_server.new_database()
        env = {
            "INTERVIEWER_DATABASE_URL": url,
            "INTERVIEWER_CHROMA_HOST": "127.0.0.1",
            "INTERVIEWER_CHROMA_PORT": str(chroma_port),
            "INTERVIEWER_LLM_TIMEOUT": "60",  # a held reply must not time out into the offline fallback
            "INTERVIEWER_LLM_PREFILL": "false",  # no background calls: the gate holds only a step's own
        }
        a, b = AppProcess(tmp / "a", stub.base_url, **env), AppProcess(tmp / "b", stub.base_url, **env)
        nginx = None
        try:
            wait_http(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", timeout=60)
            a.start()  # A builds the index in the Chroma server; B finds it built
            b.start()
            nginx, proxy_port = start_nginx(tmp / "nginx", [a.port, b.port])
            store = Store(url)
            yield Cluster(store, gate, a, b, f"http://127.0.0.1:{proxy_port}/")
            store.close()
        finally:
            gate.open.set()
            for proc in (nginx, chroma):
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=20)
            a.stop()
            b.stop()


def test_two_replicas_in_one_process_share_sessions_key_and_step_lock(postgres_server, tmp_path: Path) -> None:
    """Sessions over two Stores on one Postgres, each with its own data dir, stand for two replicas: the same
    signing key from the database; B continues what A started; while A's step is in flight B is refused, then B
    goes on from what A saved; an abandoned step frees the session."""
    from app_harness import make_deps

    from interviewer.interview.state import Action, Setup
    from interviewer.llm import FakeChatModel
    from webui.sessions import SessionBusy, Sessions, app_secret

    url = postgres_server.new_database()
    replicas = []
    for name in ("a", "b"):
        deps = make_deps(tmp_path / name, FakeChatModel(default="Good. Think about the data and the model."))
        store = Store(url)
        replicas.append((Sessions(deps, store, app_secret(deps.settings, store)), store))
    (a, store_a), (b, store_b) = replicas
    try:
        assert a.token("x") == b.token("x") and not list(tmp_path.rglob("app_secret")), "the key is in Postgres"
        token = a.create(Setup(count=2, seed=3), owner="ann")
        state, _ = b.step(token, Action(kind="start"), user="ann")
        question = state.current.question.id
        running = a.run(token, Action(kind="answer", text=answer_for({"id": question}, "replica-a")), user="ann")
        next(running)  # A's step holds the session now
        with pytest.raises(SessionBusy, match="still working"):
            b.step(token, Action(kind="next"), user="ann")
        for _ in running:
            pass
        state, _ = b.step(token, Action(kind="next"), user="ann")
        assert [r.answer for r in state.records[:1]] == [answer_for({"id": question}, "replica-a")]
        assert state.current.question.id != question
        abandoned = b.run(token, Action(kind="skip"), user="ann")
        next(abandoned)
        abandoned.close()  # a client that went away mid-step
        state, _ = a.step(token, Action(kind="end"), user="ann")
        assert state.phase == "finished" and store_a.load(state.id) == state
    finally:
        store_a.close()
        store_b.close()


def answer_for(question: dict, who: str) -> str:
    """A candidate's answer in their own words (not the bank's), naming who wrote it and for which question."""
    return (
        f"Answer by {who} to {question['id']}. I would start from the data: where it comes from, how the labels "
        "are made and whether training and serving see the same features. Then a simple baseline and an offline "
        "metric that matches the product goal, before anything bigger, and monitoring once it ships."
    )


def test_concurrent_answers_from_two_replicas_are_serialised(cluster: Cluster) -> None:
    a, b = cluster.client(cluster.a), cluster.client(cluster.b)
    r = a.predict(SETUP | {"count": 2}, api_name="/start")
    sid, q1 = r["session_id"], r["question"]
    assert cluster.app_id(cluster.a) != cluster.app_id(cluster.b), "two processes, not one"
    texts = {"a": answer_for(q1, "candidate-on-a"), "b": answer_for(q1, "candidate-on-b")}
    cluster.gate.close()  # whichever step takes the session holds it at its model call
    outcome: dict[str, object] = {}

    def send(name: str, client: Client) -> None:
        try:
            outcome[name] = client.predict(sid, texts[name], api_name="/answer")
        except AppError as exc:
            outcome[name] = exc

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(send, "a", a), pool.submit(send, "b", b)]
        deadline = time.monotonic() + 180
        while not any(isinstance(v, AppError) for v in outcome.values()) and time.monotonic() < deadline:
            time.sleep(0.05)  # the refused one returns while the other is still held
        cluster.gate.open.set()
        for f in futures:
            f.result(timeout=60)
    refused = [name for name, v in outcome.items() if isinstance(v, AppError)]
    assert len(refused) == 1 and BUSY in str(outcome[refused[0]]), outcome
    [winner] = [name for name in outcome if name not in refused]
    assert outcome[winner]["phase"] == "review" and outcome[winner]["scorecard"]["question_id"] == q1["id"]
    state = cluster.store.load(sid.split(".")[0])
    assert [r.answer for r in state.records] == [texts[winner]], "exactly the step that ran is saved"
    assert [t.seq for t in cluster.store.turns(state.id)] == list(range(1, len(state.turns) + 1))
    # The refused replica goes on from the saved state: nothing it does overwrites the answer the other saved.
    loser = {"a": a, "b": b}[refused[0]]
    q2 = loser.predict(sid, api_name="/next")["question"]
    assert q2["number"] == 2
    loser.predict(sid, answer_for(q2, "candidate"), api_name="/answer")
    report = {"a": a, "b": b}[winner].predict(sid, api_name="/report")["report"]
    assert [q["answer"] for q in report["questions"]] == [texts[winner], answer_for(q2, "candidate")]


def pinned_to(cluster: Cluster, app: AppProcess) -> Client:
    """A client through nginx whose routing cookie sends it to `app` (found by asking which replica answers).
    Each try is a fresh request: a client keeping nginx's Set-Cookie would send the first cookie every time."""
    target = cluster.app_id(app)
    for _ in range(40):
        cookie = uuid.uuid4().hex
        config = httpx.get(f"{cluster.proxy_url}config", cookies={"iv_replica": cookie}, timeout=30).json()
        if config["app_id"] == target:
            return Client(
                cluster.proxy_url, verbose=False, httpx_kwargs={"timeout": 60, "cookies": {"iv_replica": cookie}}
            )
    raise AssertionError("nginx never routed this cookie to the replica")


def test_turns_alternate_between_replicas_and_a_killed_one_loses_no_answer(cluster: Cluster) -> None:
    a, b = cluster.client(cluster.a), cluster.client(cluster.b)
    proxied = pinned_to(cluster, cluster.a)  # through nginx, stuck to A until A dies
    r = proxied.predict(SETUP | {"count": 4}, api_name="/start")
    sid, sent = r["session_id"], []
    for turn, client in enumerate([b, a]):  # answers and next questions alternate between the replicas
        question = r["question"]
        sent.append(answer_for(question, f"turn-{turn}"))
        r = client.predict(sid, sent[-1], api_name="/answer")
        assert r["phase"] == "review" and r["scorecard"]["question_id"] == question["id"]
        r = (a if client is b else b).predict(sid, api_name="/next")
    question = r["question"]
    assert question["number"] == 3
    # The third answer goes to A and is held at its feedback call: A is SIGKILLed mid-answer.
    sent.append(answer_for(question, "turn-2"))
    cluster.gate.close()
    held = a.submit(sid, sent[-1], api_name="/answer")  # not waited for: it dies with A
    assert cluster.gate.entered.wait(180), f"the answer's model call never came:\n{cluster.a.output()[-3000:]}"
    cluster.a.kill9()
    cluster.gate.open.set()
    assert not held.done() or held.exception() is not None, "the held answer cannot have completed"
    # The same proxied client goes on: nginx finds A gone and passes its calls to B.
    r = proxied.predict(sid, api_name="/resume")
    assert r["phase"] == "review" and r["scorecard"]["question_id"] == question["id"], "the answer was saved"
    r = proxied.predict(sid, api_name="/next")
    sent.append(answer_for(r["question"], "turn-3"))
    proxied.predict(sid, sent[-1], api_name="/answer")
    assert proxied.predict(sid, api_name="/next")["finished"]
    report = b.predict(sid, api_name="/report")["report"]
    assert report["finished"] and [q["answer"] for q in report["questions"]] == sent
    assert [q["status"] for q in report["questions"]] == ["answered"] * 4
    assert [t.seq for t in cluster.store.turns(sid.split(".")[0])] == list(
        range(1, len(cluster.store.load(sid.split(".")[0]).turns) + 1)
    )
