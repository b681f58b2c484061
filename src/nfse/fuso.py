"""The time zone of Brazil's fiscal documents, the one place it is defined: dates and times
the layouts carry without an offset, the competência's day, and every time shown to a user
are read in it (Brasília time, which São Paulo keeps)."""

from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
