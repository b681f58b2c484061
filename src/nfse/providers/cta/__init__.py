"""CTA 2.00 (``wsnfse/``, XML documents as multipart files): docs/cta.md."""
