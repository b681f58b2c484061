"""IPM (Atende.Net) own layout 1.01: docs/ipm.md."""
