"""ABRASF NFS-e 2.04 over SOAP: one provider for every municipal system that speaks it; what
differs between those systems (SOAP version, namespaces, signature algorithm, lot or single
emission, item format) is a ``Variante`` read from the municipality registry's options."""
