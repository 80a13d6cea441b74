import sys

from receivables_shared.cli import main

from collection.definition import SERVICE

sys.exit(main(SERVICE))
