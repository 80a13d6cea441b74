import sys

from receivables_shared.cli import main

from invoicing.definition import SERVICE

sys.exit(main(SERVICE))
