#ifndef FNHOST_CFCGI_SHIM_H
#define FNHOST_CFCGI_SHIM_H
/* Only the reentrant FCGX layer: fcgi_stdio.h would redefine FILE, stdout and printf. */
#include <fcgiapp.h>

/*
 * Hands an already-connected FastCGI connection to a request so that the next FCGX_Accept_r reads
 * from it instead of calling accept(). The fnhost master is the only process that accepts; it passes
 * each connection to a worker over a unix socket (SCM_RIGHTS). libfcgi has no public call for this,
 * so this is the one place that touches the struct's private fields: ipcFd is the connection, and
 * keepConnection must be set so that FCGX_Accept_r's leading FCGX_Finish_r does not close it.
 */
static inline void fh_fcgx_adopt_connection(FCGX_Request *request, int fd) {
    request->ipcFd = fd;
    request->keepConnection = 1;
}

/* The connection a finished request kept open (nginx asked for FCGI_KEEP_CONN), or -1. */
static inline int fh_fcgx_kept_connection(const FCGX_Request *request) {
    return request->ipcFd;
}

/* Forgets the kept connection without closing it: the master still holds its own descriptor. */
static inline void fh_fcgx_release_connection(FCGX_Request *request) {
    request->ipcFd = -1;
}
#endif
