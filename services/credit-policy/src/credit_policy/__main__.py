import sys

from receivables_shared.cli import main

from credit_policy.definition import SERVICE

sys.exit(main(SERVICE))
