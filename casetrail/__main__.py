from casetrail.adapters.cli.main import entry_point

entry_point()
