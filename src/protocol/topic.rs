//! Topic names and filters: validation, matching with `+`, `#` and `$`-topics, tokenising.
