"""collections: dunning policies and runs, cases, promises to pay, disputes, payment plans."""
