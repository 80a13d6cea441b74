import sys

from credit_policy.definition import SERVICE
from receivables_shared.cli import main

sys.exit(main(SERVICE))
