import sys

from receivables_shared.cli import main

from analytics.definition import SERVICE

sys.exit(main(SERVICE))
