import sys

from notifications.definition import SERVICE
from receivables_shared.cli import main

sys.exit(main(SERVICE))
