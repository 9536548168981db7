#ifndef FNHOST_CPYTHONSUPPORT_H
#define FNHOST_CPYTHONSUPPORT_H
/*
 * The embedded CPython interpreter of a Python worker process, reduced to four calls Swift can
 * make safely: start it, load a module from source, look up a function, and call it with byte
 * strings. Reference counting and the GIL stay on this side. Every call that can fail returns
 * a message the caller frees with free().
 */
#include <stddef.h>

/*
 * Starts the interpreter as `program` (an absolute path to a python executable; its pyvenv.cfg,
 * when there is one, selects the virtual environment as for that executable), isolated from
 * PYTHON* variables and the user's site folder, without signal handlers (the host owns signals).
 * The calling thread releases the GIL before returning. NULL on success, else a message.
 */
char *fh_python_start(const char *program);

/* Executes `source` as a new module `name` registered in sys.modules. NULL on success, else a
 * message with the traceback. */
char *fh_python_load_module(const char *name, const char *source);

/* A strong reference to `module`.`function` (an opaque PyObject *), or NULL with *error set. */
void *fh_python_lookup(const char *module, const char *function, char **error);

/*
 * Calls `callable` with `count` bytes arguments. It must return bytes: on success returns 0 and
 * *result (malloc'ed, *length bytes, NUL-terminated for convenience). On an exception or a result
 * that is not bytes returns -1 and *result is the message (NUL-terminated).
 */
int fh_python_call(void *callable, const char *const *arguments, const size_t *lengths, int count,
                   char **result, size_t *length);
#endif
