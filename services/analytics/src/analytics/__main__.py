import sys

from analytics.definition import SERVICE
from receivables_shared.cli import main

sys.exit(main(SERVICE))
