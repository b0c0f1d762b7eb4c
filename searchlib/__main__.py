"""``python -m searchlib`` runs the command line, like the ``searchlib`` script."""

from searchlib.cli import main

if __name__ == "__main__":
    main()
