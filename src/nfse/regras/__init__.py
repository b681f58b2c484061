"""The tax authorities' rules as data: the official rejection catalogues (code, message,
fields, whether a rule can be decided offline). Imports nothing of ours, so the sandbox and
the gateway read the same catalogue and evaluate it each in its own way."""
