"""What an object id looks like, in URLs and in request bodies.

Ids are ``BigAutoField`` values: at most 19 ASCII digits. Anything longer
names no row, and converting it to an int would fail past Python's
4,300-digit limit, so it is refused before any conversion.
"""

from __future__ import annotations

ID_MAX_DIGITS = 19

# ASCII digits only: ``\d`` would also accept other scripts' digits, which
# int() reads as the same number.
ID_PATTERN = rf"[0-9]{{1,{ID_MAX_DIGITS}}}"
