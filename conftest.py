pytest_plugins = ["receivables_shared.testing.plugin"]
