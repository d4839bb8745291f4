"""deploy/: two instances on PostgreSQL behind nginx (README, "Several instances on PostgreSQL").

There is no Docker engine here, so compose.yaml and komek.env.example are read statically and
checked against the code and against nginx.conf. nginx.conf is not only read: the real nginx
checks it (`nginx -t`) and then serves it, on 127.0.0.1 with a throw-away certificate, in
front of two stand-in instances, one of which dies with the update's POST in hand.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import os
import re
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from bot.config import Config
from tests.conftest import ROOT, require_tool

DEPLOY = ROOT / "deploy"
INSTANCES = ("komek-1", "komek-2")
TELEGRAM_MESSAGES_A_SECOND = 30  # Telegram's cap for one bot, across all its instances
FOR_COMPOSE = {"POSTGRES_PASSWORD"}  # read by Compose and the postgres image, not by the bot
SECRETS = ("BOT_TOKEN", "PSEUDONYM_SECRET", "WEBHOOK_SECRET", "POSTGRES_PASSWORD")
TOKEN_SHAPED = re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}")  # a Telegram bot token
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _service(name: str) -> dict[str, Any]:
    service = _compose()["services"][name]
    assert isinstance(service, dict)
    return service


def _environment(name: str) -> dict[str, str]:
    environment = _service(name).get("environment", {})
    assert isinstance(environment, dict), f"{name}: environment as a mapping, please"
    return {key: str(value) for key, value in environment.items()}


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "komek.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and key == key.strip() and re.fullmatch(r"[A-Z_]+", key), line
            pairs[key] = value
    return pairs


def _variables_the_bot_reads() -> set[str]:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r"""env\.get\(\s*["']([A-Z_]+)["']""", source))


def _nginx_conf() -> str:
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _block(text: str, opening: str) -> str:
    """The inside of the one `opening { … }` block in text, nested blocks included."""
    (start,) = [m.end() for m in re.finditer(re.escape(opening) + r"\s*\{", text)]
    depth = 1
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return text[start:at]
    raise AssertionError(f"{opening}: no closing brace")


def _directives(text: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"(?m)^\s*{name}\s+([^;]*);", text)]


def _upstream_servers() -> list[str]:
    return [args.split()[0] for args in _directives(_block(_nginx_conf(), "upstream komek"),
                                                    "server")]


def _instance_addresses() -> list[str]:
    port = _environment(INSTANCES[0])["PORT"]
    return [f"{_service(name)['networks']['backend']['ipv4_address']}:{port}"
            for name in INSTANCES]


# -- compose.yaml and komek.env.example -------------------------------------------------------


def test_compose_has_the_four_services():
    assert set(_compose()["services"]) == {"postgres", *INSTANCES, "nginx"}


def test_postgres_keeps_its_data_on_a_named_volume_and_says_when_it_is_ready():
    postgres = _service("postgres")
    assert postgres["image"] == "postgres:15-bookworm"
    (volume,) = postgres["volumes"]
    name, mount = volume.split(":")
    assert name in _compose()["volumes"] and mount == "/var/lib/postgresql/data"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert "ports" not in postgres, "the database is reached only on the compose network"


def test_both_instances_are_the_same_bot_but_for_their_address():
    first, second = (_service(name) for name in INSTANCES)
    for key in ("build", "image", "env_file", "environment", "volumes", "depends_on",
                "restart"):
        assert first[key] == second[key], key
    assert first["env_file"] == "komek.env"
    assert first["restart"] == "unless-stopped"
    assert first["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (DEPLOY / first["build"]["context"]).resolve() == ROOT
    assert (ROOT / first["build"]["dockerfile"]).is_file()
    assert len(set(_instance_addresses())) == len(INSTANCES)


def test_content_and_catalogs_are_the_repositorys_own_mounted_read_only():
    environment = _environment(INSTANCES[0])
    mounts = {}
    for volume in _service(INSTANCES[0])["volumes"]:
        source, target, mode = volume.split(":")
        assert mode == "ro", volume
        mounts[target] = (DEPLOY / source).resolve()
    assert mounts[environment["CONTENT_DIR"]] == ROOT / "content"
    assert mounts[environment["LOCALES_DIR"]] == ROOT / "locales"
    assert environment["CONTENT_WATCH"] == "1", "each instance must see an edit by itself"
    assert Config.from_env({"CONTENT_WATCH": environment["CONTENT_WATCH"]}).content_watch


def test_the_instances_use_the_shared_postgresql_and_serve_the_webhook():
    environment = _environment(INSTANCES[0])
    assert re.fullmatch(r"postgresql://komek:\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}@postgres:5432/"
                        r"komek", environment["DATABASE_URL"])
    postgres = _service("postgres")["environment"]
    assert (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]) == ("komek", "komek")
    # The whole environment an instance gets, as the bot reads it (placeholder secrets).
    filled = {**_env_example(), **environment, "BOT_TOKEN": "1:x", "PSEUDONYM_SECRET": "p",
              "WEBHOOK_SECRET": "w", "WEBHOOK_URL": "https://bot.example.org/telegram/x"}
    filled["DATABASE_URL"] = re.sub(r"\$\{[^}]*\}", "pw", filled["DATABASE_URL"])
    config = Config.from_env(filled)
    assert config.engine == "postgresql" and config.webhook_listen == "0.0.0.0"
    assert config.database_pool_size >= 1 and config.send_rate == int(environment["SEND_RATE"])
    assert config.content_watch
    webhook_path = _env_example()["WEBHOOK_URL"].split("/", 3)[3]
    assert _env_example()["WEBHOOK_URL"].startswith("https://")
    assert webhook_path.startswith("telegram/"), "nginx forwards only /telegram/…"


def test_every_variable_set_is_one_the_bot_reads():
    reads = _variables_the_bot_reads()
    assert {"BOT_TOKEN", "DATABASE_URL", "PSEUDONYM_SECRET", "WEBHOOK_URL"} <= reads
    known = reads | FOR_COMPOSE
    set_here = set(_env_example()) | set(_environment(INSTANCES[0]))
    assert set_here - known == set()


def test_every_interpolated_variable_comes_from_the_env_file():
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Za-z_]+)", text))
    assert used, "compose.yaml takes the database password from komek.env"
    assert used <= set(_env_example())
    assert re.findall(r"\$(?!\{)", text) == [], "write ${NAME}, so each one is checked here"


def test_both_pools_fit_in_postgresqls_connections_with_room_for_the_commands():
    pools = sum(int(_environment(name)["DATABASE_POOL_SIZE"]) for name in INSTANCES)
    assert "max_connections" not in str(_service("postgres"))  # so PostgreSQL's default, 100
    assert pools + 10 <= 100, "komek health, backups and psql need connections too"


def test_every_service_caps_its_logs():
    for name, service in _compose()["services"].items():
        options = service["logging"]["options"]
        assert options["max-size"] and int(options["max-file"]) >= 1, name


def test_the_send_rate_shares_stay_under_telegrams_limit():
    rates = [int(_environment(name)["SEND_RATE"]) for name in INSTANCES]
    assert all(rate >= 1 for rate in rates)
    assert sum(rates) <= TELEGRAM_MESSAGES_A_SECOND


def test_pseudonym_secret_is_set_in_the_file_both_instances_read():
    assert "PSEUDONYM_SECRET" in _env_example()
    for name in INSTANCES:
        assert "PSEUDONYM_SECRET" not in _environment(name), "one value, in komek.env"


@pytest.mark.parametrize("name", SECRETS)
def test_no_secret_value_is_committed(name: str):
    assert _env_example()[name] == "", f"{name} is left empty in the example"
    for service in _compose()["services"]:
        value = _environment(service).get(name)
        assert value is None or value.startswith("${"), f"{service}: {name}={value}"


def test_no_token_or_key_in_deploy_or_the_readme():
    files = [*sorted(DEPLOY.glob("*.example")), *sorted(DEPLOY.glob("*.yaml")),
             DEPLOY / "nginx.conf", ROOT / "README.md"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert TOKEN_SHAPED.search(text) is None, path
        assert "PRIVATE KEY-----" not in text, path


def test_the_env_file_and_certificates_are_kept_out_of_git_and_the_image():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"deploy/komek.env", "deploy/certs/"} <= set(ignored)
    assert "deploy" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_nginx_serves_the_certificates_and_config_it_is_given():
    nginx = _service("nginx")
    assert re.fullmatch(r"nginx:1\.\d*[02468](-\w+)?", nginx["image"]), "a stable branch"
    assert set(nginx["ports"]) == {"443:443", "80:80"}
    mounts = {target: source for source, target, _ in (v.split(":") for v in nginx["volumes"])}
    assert (DEPLOY / mounts["/etc/nginx/nginx.conf"]).resolve() == DEPLOY / "nginx.conf"
    conf = _nginx_conf()
    for certificate in _directives(conf, "ssl_certificate") + \
            _directives(conf, "ssl_certificate_key"):
        assert str(Path(certificate).parent) in mounts, certificate
    for root in _directives(conf, "root"):
        assert root in mounts, root


# -- nginx.conf, read ---------------------------------------------------------------------------


def test_nginx_sends_to_both_instances_at_their_compose_addresses():
    assert _upstream_servers() == _instance_addresses()
    (pool,) = _compose()["networks"]["backend"]["ipam"]["config"]
    subnet, dynamic = ipaddress.ip_network(pool["subnet"]), ipaddress.ip_network(pool["ip_range"])
    assert dynamic.subnet_of(subnet)
    for address in _instance_addresses():
        fixed = ipaddress.ip_address(address.split(":")[0])
        assert fixed in subnet and fixed not in dynamic, "no other container can take it"
    for args in _directives(_block(_nginx_conf(), "upstream komek"), "server"):
        assert "max_fails=" in args and "fail_timeout=" in args, args


def test_nginx_retries_a_failed_post_once_on_the_other_instance():
    webhook = _block(_nginx_conf(), "location ^~ /telegram/")
    (retry_on,) = _directives(webhook, "proxy_next_upstream")
    assert set(retry_on.split()) == {"error", "timeout", "http_502", "http_503", "http_504",
                                     "non_idempotent"}
    assert _directives(webhook, "proxy_next_upstream_tries") == ["2"]
    (proxied,) = _directives(webhook, "proxy_pass")
    assert proxied == "http://komek"


def test_nginx_gives_up_before_telegram_does():
    webhook = _block(_nginx_conf(), "location ^~ /telegram/")
    seconds = {name: int(_directives(webhook, name)[0].rstrip("s"))
               for name in ("proxy_next_upstream_timeout", "proxy_connect_timeout",
                            "proxy_read_timeout")}
    assert seconds["proxy_read_timeout"] < seconds["proxy_next_upstream_timeout"] < 60
    assert seconds["proxy_connect_timeout"] <= 5, "a dead instance must cost little"


def test_nginx_passes_the_secret_header_and_proxies_only_the_webhook():
    conf = _nginx_conf()
    webhook = _block(conf, "location ^~ /telegram/")
    assert f"proxy_set_header {SECRET_HEADER} $http_x_telegram_bot_api_secret_token" in \
        [f"proxy_set_header {args}" for args in _directives(webhook, "proxy_set_header")]
    assert len(_directives(conf, "proxy_pass")) == 1
    assert "healthz" not in conf


def test_nginx_offers_modern_tls_only_and_hides_its_version():
    conf = _nginx_conf()
    (protocols,) = _directives(conf, "ssl_protocols")
    assert set(protocols.split()) == {"TLSv1.2", "TLSv1.3"}
    assert _directives(conf, "server_tokens") == ["off"]
    (body_limit,) = _directives(conf, "client_max_body_size")
    assert re.fullmatch(r"\d+[km]", body_limit)


def test_nginx_logs_no_webhook_path():
    conf = _nginx_conf()
    formats = _directives(conf, "log_format")
    assert formats and formats[0].startswith("komek ")
    for words in formats:
        assert re.search(r"\$\{?(request_uri|request|uri|args|query_string)\b", words) is None
    assert _directives(conf, "access_log") == ["/var/log/nginx/access.log komek"]


# -- nginx, running ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"nginx.conf no longer has {old!r}: update the test's local copy"
    return text.replace(old, new)


@dataclass
class LocalNginx:
    """deploy/nginx.conf made to run here: its paths in tmp_path, its ports free ones on
    127.0.0.1, its two upstream addresses those of the stand-in instances."""

    folder: Path
    upstream_ports: tuple[int, int]
    https_port: int = field(default_factory=_free_port)
    http_port: int = field(default_factory=_free_port)

    def write(self, *, without: str = "") -> Path:
        text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
        if without:
            text = _replace(text, without, "")
        for address, port in zip(_instance_addresses(), self.upstream_ports, strict=True):
            text = _replace(text, f"server {address} ", f"server 127.0.0.1:{port} ")
        text = _replace(text, "listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;")
        text = _replace(text, "listen 80;", f"listen 127.0.0.1:{self.http_port};")
        text = _replace(text, "/etc/nginx/certs/", f"{self.folder}/certs/")
        text = _replace(text, "/var/www/acme", f"{self.folder}/acme")
        text = _replace(text, "/var/log/nginx/", f"{self.folder}/logs/")
        text = _replace(text, "pid /var/run/nginx.pid;", f"pid {self.folder}/nginx.pid;")
        # One worker: its round robin starts at the first instance, the one that dies below.
        text = _replace(text, "worker_processes auto;", "worker_processes 1;")
        temp = "".join(f"    {kind}_temp_path {self.folder}/temp/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        text = _replace(text, "http {\n", "http {\n" + temp)
        if os.geteuid() == 0:  # else the workers run as nobody, shut out of tmp_path
            text = "user root;\n" + text
        for sub in ("logs", "temp", "acme"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        path = self.folder / "nginx.conf"
        path.write_text(text, encoding="utf-8")
        return path

    def command(self, nginx: str, conf: Path, *extra: str) -> list[str]:
        return [nginx, "-p", str(self.folder), "-c", str(conf),
                "-e", str(self.folder / "logs" / "error.log"), *extra]

    def access_log(self) -> list[str]:
        return (self.folder / "logs" / "access.log").read_text().splitlines()


def _self_signed_certificate(openssl: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(folder / "privkey.pem"),
                    "-out", str(folder / "fullchain.pem")],
                   check=True, capture_output=True)
    return folder / "fullchain.pem"


@pytest.fixture
def local_nginx(tmp_path: Path) -> tuple[str, LocalNginx, ssl.SSLContext]:
    nginx = require_tool("nginx")
    certificate = _self_signed_certificate(require_tool("openssl"), tmp_path / "certs")
    trust = ssl.create_default_context(cafile=str(certificate))
    return nginx, LocalNginx(tmp_path, (_free_port(), _free_port())), trust


def test_nginx_accepts_the_config(local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, _ = local_nginx
    result = subprocess.run(local.command(nginx, local.write(), "-t"),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@dataclass
class Seen:
    """What a stand-in instance received: the path, the secret header and the body of each."""

    requests: list[tuple[str, str | None, bytes]] = field(default_factory=list)


@asynccontextmanager
async def live_instance(port: int, status: int = 200) -> AsyncIterator[Seen]:
    """Answers every webhook POST with status once it has read it (200, as Kömek does when the
    update is handled; 503 as an instance that cannot take it); has /healthz."""
    seen = Seen()

    async def webhook(request: web.Request) -> web.Response:
        seen.requests.append((request.path, request.headers.get(SECRET_HEADER),
                              await request.read()))
        return web.Response(status=status)

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    app = web.Application()
    app.router.add_post("/telegram/{rest:.*}", webhook)
    app.router.add_get("/healthz", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield seen
    finally:
        await runner.cleanup()


@asynccontextmanager
async def dying_instance(port: int) -> AsyncIterator[Seen]:
    """Reads a request whole, then its connection drops with no answer: an instance killed
    while it handled the update. nginx has sent the POST, so only non_idempotent retries it."""
    seen = Seen()

    async def die(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            head = b""
        if head:
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            body = await reader.readexactly(int(headers.get("Content-Length", "0")))
            seen.requests.append((lines[0].split()[1], headers.get(SECRET_HEADER), body))
        writer.transport.abort()

    server = await asyncio.start_server(die, "127.0.0.1", port)
    try:
        yield seen
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def running(nginx: str, local: LocalNginx, conf: Path) -> AsyncIterator[None]:
    process = await asyncio.create_subprocess_exec(
        *local.command(nginx, conf, "-g", "daemon off;"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        for _ in range(200):  # until it accepts connections, or has died
            if process.returncode is not None:
                break
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", local.https_port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            break
        else:
            raise AssertionError("nginx did not start listening")
        if process.returncode is not None:
            assert process.stderr is not None
            raise AssertionError((await process.stderr.read()).decode())
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=10)


UPDATE = b'{"update_id": 1001, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}'
PATH = "/telegram/a-long-random-part"


async def _post(client: aiohttp.ClientSession, local: LocalNginx, body: bytes | io.BytesIO = UPDATE,
                secret: str | None = "the-secret") -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with client.post(f"https://127.0.0.1:{local.https_port}{PATH}", data=body,
                           headers=headers) as response:
        await response.read()
        return response.status


def _client(trust: ssl.SSLContext) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust))


async def test_a_post_whose_instance_died_is_handled_by_the_other(
        local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, trust = local_nginx
    first, second = local.upstream_ports
    async with dying_instance(first) as dead, live_instance(second) as live, \
            running(nginx, local, local.write()), _client(trust) as client:
        statuses = [await _post(client, local, UPDATE + b" " * n) for n in range(3)]
    assert statuses == [200, 200, 200]
    assert dead.requests, "the first instance in the upstream was tried first"
    assert [body for _, _, body in live.requests] == [UPDATE + b" " * n for n in range(3)]
    assert {(path, secret) for path, secret, _ in dead.requests + live.requests} == \
        {(PATH, "the-secret")}
    retried = [line for line in local.access_log()
               if f"upstream=127.0.0.1:{first}, 127.0.0.1:{second} " in line]
    assert len(retried) == len(dead.requests)


async def test_a_post_an_instance_cannot_take_goes_to_the_other(
        local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, trust = local_nginx
    first, second = local.upstream_ports
    async with live_instance(first, status=503) as unavailable, live_instance(second) as live, \
            running(nginx, local, local.write()), _client(trust) as client:
        status = await _post(client, local)
    assert status == 200
    assert [body for _, _, body in unavailable.requests] == [UPDATE]
    assert [body for _, _, body in live.requests] == [UPDATE]


async def test_without_non_idempotent_that_post_would_be_lost(
        local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, trust = local_nginx
    first, second = local.upstream_ports
    conf = local.write(without=" non_idempotent")
    async with dying_instance(first) as dead, live_instance(second) as live, \
            running(nginx, local, conf), _client(trust) as client:
        status = await _post(client, local)
    assert dead.requests and not live.requests
    assert status == 502


async def test_only_the_webhook_with_its_header_reaches_an_instance(
        local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, trust = local_nginx
    first, second = local.upstream_ports
    async with live_instance(first) as one, live_instance(second) as two, \
            running(nginx, local, local.write()), _client(trust) as client:
        base = f"https://127.0.0.1:{local.https_port}"
        assert await _post(client, local, secret=None) == 403
        async with client.get(base + PATH) as response:
            assert response.status == 403
        async with client.get(base + "/healthz") as response:
            assert response.status == 404
        async with client.post(base + "/other", data=UPDATE,
                               headers={SECRET_HEADER: "the-secret"}) as response:
            assert response.status == 404
            assert "nginx/" not in response.headers.get("Server", "")
        assert (one.requests, two.requests) == ([], [])
        assert await _post(client, local, io.BytesIO(b"x" * (2 * 1024 * 1024))) == 413
        assert await _post(client, local) == 200
    assert len(one.requests) + len(two.requests) == 1


async def test_port_80_redirects_to_https_but_serves_acme_challenges(
        local_nginx: tuple[str, LocalNginx, ssl.SSLContext]):
    nginx, local, _ = local_nginx
    challenge = local.folder / "acme" / ".well-known" / "acme-challenge" / "a-token"
    conf = local.write()
    challenge.parent.mkdir(parents=True)
    challenge.write_text("a-token.a-thumbprint")
    async with running(nginx, local, conf), aiohttp.ClientSession() as client:
        base = f"http://127.0.0.1:{local.http_port}"
        async with client.get(base + PATH, allow_redirects=False) as response:
            assert response.status == 301
            assert response.headers["Location"] == f"https://127.0.0.1{PATH}"
        async with client.get(base + "/.well-known/acme-challenge/a-token") as response:
            assert response.status == 200
            assert await response.text() == "a-token.a-thumbprint"


def test_the_readme_names_what_compose_makes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Several instances on PostgreSQL", 1)[1].split("\n## ", 1)[0]
    compose = _compose()
    assert f"--network {compose['networks']['backend']['name']} " in section
    assert f" {_service(INSTANCES[0])['image']} " in section
    project_volume = f"{compose['name']}_{next(iter(compose['volumes']))}"
    assert project_volume in section
    assert "-f deploy/compose.yaml" in section and "--env-file deploy/komek.env" in section
    code = "\n".join(re.findall(r"```(?:sh|text)\n(.*?)```", section, re.DOTALL))
    commands = re.findall(r"docker compose [^\n]*", code)
    assert len(commands) >= 10
    for command in commands:
        assert command.startswith("docker compose --env-file deploy/komek.env -f "
                                  "deploy/compose.yaml"), command
