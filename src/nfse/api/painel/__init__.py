"""The operator panel at ``/painel``."""
