"""Reading miss logs: files into rows, rows into attempts, attempts into the log."""
