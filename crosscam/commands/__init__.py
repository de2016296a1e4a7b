"""One module per ``crosscam`` subcommand (see crosscam/cli.py for the contract)."""
