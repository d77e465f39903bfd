"""``python -m parcours`` is the ``parcours`` command."""

from parcours.cli import main

if __name__ == "__main__":  # not when a worker process re-imports this module
    main()
