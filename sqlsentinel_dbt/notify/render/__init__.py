"""Pure functions turning notifications into each medium's format, escaped for it."""
