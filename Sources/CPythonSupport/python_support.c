#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include "CPythonSupport.h"

static char *copy_text(const char *text) {
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy) memcpy(copy, text, length + 1);
    return copy;
}

/* The pending exception as text (type, message and traceback), cleared. Needs the GIL. */
static char *describe_exception(const char *what) {
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    char *message = NULL;
    PyObject *module = PyImport_ImportModule("traceback");
    if (module && type) {
        PyObject *lines = PyObject_CallMethod(module, "format_exception", "OOO", type,
                                              value ? value : Py_None, traceback ? traceback : Py_None);
        if (lines) {
            PyObject *empty = PyUnicode_FromString("");
            PyObject *joined = empty ? PyUnicode_Join(empty, lines) : NULL;
            const char *utf8 = joined ? PyUnicode_AsUTF8(joined) : NULL;
            if (utf8) {
                size_t length = strlen(what) + strlen(utf8) + 3;
                message = malloc(length);
                if (message) snprintf(message, length, "%s: %s", what, utf8);
            }
            Py_XDECREF(joined);
            Py_XDECREF(empty);
            Py_DECREF(lines);
        }
    }
    Py_XDECREF(module);
    PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return message ? message : copy_text(what);
}

char *fh_python_start(const char *program) {
    if (Py_IsInitialized()) return NULL;
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    /* No __pycache__ written into the function's folder: a timestamp .pyc records the source's
       mtime in whole seconds and its size, so after a second save of the same size within the same
       second the next workers would load the previous save's bytecode and never the new code. */
    config.write_bytecode = 0;
    config.buffered_stdio = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, program);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        const char *reason = status.err_msg ? status.err_msg : "unknown error";
        const char *function = status.func ? status.func : "Py_InitializeFromConfig";
        size_t length = strlen(reason) + strlen(function) + 32;
        char *message = malloc(length);
        if (message) snprintf(message, length, "%s: %s", function, reason);
        return message ? message : copy_text("the Python interpreter did not start");
    }
    PyEval_SaveThread();
    return NULL;
}

char *fh_python_load_module(const char *name, const char *source) {
    PyGILState_STATE gil = PyGILState_Ensure();
    char *error = NULL;
    PyObject *code = Py_CompileString(source, name, Py_file_input);
    PyObject *module = code ? PyImport_ExecCodeModule(name, code) : NULL;
    if (!module) error = describe_exception("loading the runtime module failed");
    Py_XDECREF(module);
    Py_XDECREF(code);
    PyGILState_Release(gil);
    return error;
}

void *fh_python_lookup(const char *module, const char *function, char **error) {
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *found = NULL;
    PyObject *imported = PyImport_ImportModule(module);
    if (imported) found = PyObject_GetAttrString(imported, function);
    if (!found) *error = describe_exception("looking up the runtime's entry point failed");
    Py_XDECREF(imported);
    PyGILState_Release(gil);
    return found;
}

int fh_python_call(void *callable, const char *const *arguments, const size_t *lengths, int count,
                   char **result, size_t *length) {
    PyGILState_STATE gil = PyGILState_Ensure();
    int status = -1;
    *result = NULL;
    *length = 0;
    PyObject *tuple = PyTuple_New(count);
    for (int index = 0; tuple && index < count; index++) {
        PyObject *argument = PyBytes_FromStringAndSize(arguments[index], (Py_ssize_t)lengths[index]);
        if (!argument) {
            Py_CLEAR(tuple);
            break;
        }
        PyTuple_SET_ITEM(tuple, index, argument);
    }
    PyObject *returned = tuple ? PyObject_Call((PyObject *)callable, tuple, NULL) : NULL;
    if (returned && PyBytes_Check(returned)) {
        char *bytes = NULL;
        Py_ssize_t size = 0;
        PyBytes_AsStringAndSize(returned, &bytes, &size);
        *result = malloc((size_t)size + 1);
        if (*result) {
            memcpy(*result, bytes, (size_t)size);
            (*result)[size] = 0;
            *length = (size_t)size;
            status = 0;
        }
    } else if (returned) {
        *result = copy_text("the runtime's entry point did not return bytes");
    } else {
        *result = describe_exception("the runtime's entry point raised");
    }
    if (*result && status != 0) *length = strlen(*result);
    Py_XDECREF(returned);
    Py_XDECREF(tuple);
    PyGILState_Release(gil);
    return status;
}
