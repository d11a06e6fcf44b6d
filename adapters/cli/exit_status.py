"""The command's exit statuses (spec ``cli-v1.md``), shared by every subcommand."""

# A usage error exits 2 through argparse itself.
EXIT_OK, EXIT_FAILED, EXIT_REJECTED = 0, 1, 3
