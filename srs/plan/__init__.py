"""Priority and planning: what to study, in what order, and when."""
