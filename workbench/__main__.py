"""Allow ``python -m workbench`` to behave exactly like the ``workbench`` script."""

from workbench.cli import main

if __name__ == "__main__":
    main()
