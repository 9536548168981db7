#ifndef FNHOST_CPYTHON_SHIM_H
#define FNHOST_CPYTHON_SHIM_H
/* CPython's embedding API, as Debian's python3-dev ships it (pkg-config python3-embed). Swift never
 * calls it directly: CPythonSupport wraps the few calls fnhost needs in C (reference counts and
 * module definitions are macros Swift cannot import). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif
