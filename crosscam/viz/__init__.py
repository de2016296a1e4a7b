"""Pictures that let a person check the numbers: ranked lists of re-identification results."""
