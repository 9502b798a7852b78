/*
 * culex.h: extensions of Culex beyond the libmosquitto 2.0 API (functions named culex_*).
 *
 * GENERATED FILE, DO NOT EDIT. It is produced by cbindgen 0.29.0 from src/ffi/culex.rs
 * (see cbindgen-culex.toml). Regenerate with:  scripts/gen-headers.sh
 */

#ifndef CULEX_H
#define CULEX_H

#include "mosquitto.h"

#endif  /* CULEX_H */
