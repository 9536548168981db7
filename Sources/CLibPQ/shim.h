#ifndef FNHOST_CLIBPQ_SHIM_H
#define FNHOST_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
