import sys

from receivables_shared.cli import main

from notifications.definition import SERVICE

sys.exit(main(SERVICE))
