from receivables_shared.devstack.cli import app

app(prog_name="python -m receivables_shared.devstack")
