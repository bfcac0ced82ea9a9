"""Pure lab logic: enumerations, derived values and state rules. No I/O here."""
