"""What a developer does with a running `make run`: keys for all five services with one command,
logs named by service, a demo that can be loaded twice, and `make reset`."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from receivables_shared.auth.keys import find_api_key
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.devstack.demo import CUSTOMERS, currency_of, load_demo
from receivables_shared.devstack.state import StackState
from receivables_shared.services_registry import SERVICES
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.stack import StackUnderTest, scalar

pytestmark = pytest.mark.e2e


@pytest_asyncio.fixture(scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> AsyncIterator[StackUnderTest]:
    stack = StackUnderTest(tmp_path_factory.mktemp("commands") / "var", postgres_server_url, "cmd")
    stack.start()
    try:
        await stack.ready()
        yield stack
    finally:
        stack.leave_nothing_running()


def devstack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "receivables_shared.devstack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def key_is_active(database_url: str, secret: str) -> bool:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            return await find_api_key(session, secret) is not None
    finally:
        await engine.dispose()


def test_logs_are_named_by_service(stack: StackUnderTest) -> None:
    logs = sorted(path.name for path in (stack.var_dir / "logs").glob("*.log"))

    assert logs == sorted([*(f"{entry.name}.log" for entry in SERVICES), "broker.log"])
    collections = (stack.var_dir / "logs" / "collections.log").read_text()
    assert '"service": "collections"' in collections


async def test_one_command_makes_a_key_for_all_five_services_and_one_revokes_it(
    stack: StackUnderTest,
) -> None:
    created = devstack(
        "api-key", "create", "--name", "erp", "--scopes", "read", "--var-dir", str(stack.var_dir)
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    state: StackState = stack.state()
    for service in state.services.values():
        assert await key_is_active(service.database_url, secret), service.name
    invoiced = f"{stack.api('analytics')}/v1/receivables/invoiced"
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient() as client:
        assert (await client.get(invoiced, headers=headers)).status_code == 200
        unknown_invoice = f"{stack.api('invoicing')}/v1/invoices/{uuid.uuid4()}"
        assert (await client.get(unknown_invoice, headers=headers)).status_code == 404

    public_part = "_".join(secret.split("_")[:2])
    revoked = devstack("api-key", "revoke", public_part, "--var-dir", str(stack.var_dir))

    assert revoked.returncode == 0, revoked.stderr
    for service in state.services.values():
        assert not await key_is_active(service.database_url, secret), service.name
    async with httpx.AsyncClient() as client:

        async def refused() -> bool:
            return (await client.get(invoiced, headers=headers)).status_code == 401

        # A running service remembers a valid key for API_KEY_CACHE_SECONDS (5 by default).
        await eventually(refused, timeout=8, interval=0.5)


async def test_a_key_for_one_service_only(stack: StackUnderTest) -> None:
    created = devstack(
        "api-key", "create", "--name", "bank", "-s", "invoicing", "--var-dir", str(stack.var_dir)
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    state = stack.state()
    assert await key_is_active(state.services["invoicing"].database_url, secret)
    assert not await key_is_active(state.services["analytics"].database_url, secret)


def test_key_commands_without_a_running_stack_say_so(tmp_path: Path) -> None:
    result = devstack("api-key", "create", "--name", "erp", "--var-dir", str(tmp_path))

    assert result.returncode == 1
    assert "no `make run` is running" in result.stderr
    assert result.stdout == ""


async def test_the_demo_loaded_twice_creates_everything_once(stack: StackUnderTest) -> None:
    key = (stack.var_dir / "dev-api-key").read_text().strip()
    urls = {name: service.api_url for name, service in stack.state().services.items()}

    await load_demo(key, urls, today=date(2026, 3, 2))
    await load_demo(key, urls, today=date(2026, 3, 2))

    names = [customer.name for customer in CUSTOMERS]
    customers = await scalar(
        stack.database_url("credit-policy"),
        "SELECT count(*) FROM customers WHERE name = ANY(CAST(:names AS text[]))",
        names=names,
    )
    assert customers == len(CUSTOMERS)
    invoices = await scalar(stack.database_url("invoicing"), "SELECT count(*) FROM invoices")
    assert invoices == sum(len(customer.invoices) for customer in CUSTOMERS)
    bulgarian = await scalar(
        stack.database_url("credit-policy"),
        "SELECT currency FROM customers WHERE country = 'BG'",
    )
    assert bulgarian == "EUR"


def test_the_demo_uses_the_currency_of_the_day() -> None:
    assert currency_of("BG", date(2025, 12, 31)) == "BGN"
    assert currency_of("BG", date(2026, 1, 1)) == "EUR"
    assert currency_of("LV", date(2026, 1, 1)) == "EUR"


def test_reset_refuses_while_the_stack_runs(stack: StackUnderTest) -> None:
    result = devstack("reset", "--var-dir", str(stack.var_dir))

    assert result.returncode == 1
    assert "stop it first" in result.stderr
    assert (stack.var_dir / "dev-api-key").exists()


def test_reset_wipes_local_data(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True)
    (var / "logs" / "invoicing.log").write_text("{}\n")
    (var / "dev-api-key").write_text("rk_dev_x\n")

    result = devstack("reset", "--var-dir", str(var))

    assert result.returncode == 0, result.stderr
    assert not var.exists()


async def test_a_service_command_creates_and_revokes_its_own_keys(stack: StackUnderTest) -> None:
    url = stack.database_url("invoicing")
    env = {**stack.env, "INVOICING_DATABASE_URL": url, "INVOICING_LOG_LEVEL": "WARNING"}

    def invoicing(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "invoicing", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    created = invoicing("create-api-key", "--name", "erp-prod", "--scopes", "read,write")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert await key_is_active(url, secret)

    assert invoicing("revoke-api-key", secret).returncode == 0
    assert not await key_is_active(url, secret)
    assert invoicing("revoke-api-key", secret).returncode == 1  # nothing active left to revoke
    assert invoicing("create-api-key", "--name", "x", "--scopes", "owner").returncode == 2


async def test_webhook_send_posts_a_signed_payment_that_the_worker_parks(
    stack: StackUnderTest,
) -> None:
    sent = devstack(
        "webhook",
        "send",
        "--amount",
        "120.50",
        "--invoice",
        "INV-1",
        "--var-dir",
        str(stack.var_dir),
    )

    assert sent.returncode == 0, sent.stderr
    assert '"state":"received"' in sent.stdout
    url = stack.database_url("invoicing")

    async def parked() -> object:
        # Allocation parks a payment for an invoice not issued yet, losing none.
        return await scalar(
            url,
            "SELECT count(*) FROM webhook_deliveries WHERE state = 'parked'"
            " AND reason LIKE 'the invoices it names are not known yet%'",
        )

    assert await eventually(parked) == 1
