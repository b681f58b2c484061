"""Running a gateway in production: backup and restore of its data, and the connectivity
check of ``nfse diagnostico``."""
