"""Note type (templates, CSS, fixed ids) and the sample miss log, installed as data."""
