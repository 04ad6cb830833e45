"""`flask seed-demo` (what `make run` does): demo reports, and two demo logins that work."""

from __future__ import annotations

import re

from meldpunt.demo import DEMO_ACCOUNTS
from tests.backoffice.conftest import Account, login


def test_seed_demo_prints_a_coordinator_and_an_admin_login_that_both_work(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--reports", "25", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "25 demo reports created" in result.output
    printed = dict(re.findall(r"e-mail:\s+(\S+)\n\s+password:\s+\S+\n\s+TOTP secret:\s+(\S+)", result.output))
    assert set(printed) == {email for email, _role in DEMO_ACCOUNTS}

    for email, role in DEMO_ACCOUNTS:
        account = Account(0, email, "demo-wachtwoord", printed[email], role, clock=app.extensions.get("meldpunt_clock"))
        client = app.test_client()
        response = login(client, account)
        assert response.status_code == 303 and response.headers["Location"].endswith("/beheer"), email
        assert client.get("/beheer").status_code == 200
        # Only the admin sees the admin pages (jobs, users); the coordinator is refused calmly.
        expected = 200 if role == "admin" else 403
        assert client.get("/beheer/gebruikers").status_code == expected, email

    # A second run changes nothing and prints the same logins.
    again = app.test_cli_runner().invoke(args=["seed-demo", "--reports", "25", "--if-empty"])
    assert again.exit_code == 0 and "no demo reports added" in again.output
    assert dict(re.findall(r"e-mail:\s+(\S+)\n\s+password:\s+\S+\n\s+TOTP secret:\s+(\S+)", again.output)) == printed
