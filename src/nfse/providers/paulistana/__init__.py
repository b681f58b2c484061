"""São Paulo's own NFS-e system (NFS-e Paulistana): the provider of IBGE 3550308."""
