"""nfse-gateway: a self-hosted NFS-e API speaking the Focus NFe v2 contract."""
