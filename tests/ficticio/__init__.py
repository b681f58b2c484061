"""A provider plug-in that lives only in the tests: the "Sistema Fictício" of a made-up
municipal authority (JSON over mutual TLS, ``sandbox.py``) and the provider that speaks it
(``provider.py``). It proves that a provider is added without a line changed outside its
own package: it registers itself, declares what it can do, and is routed to by a profile."""
