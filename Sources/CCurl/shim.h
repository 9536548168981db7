/*
 * CCurl: libcurl as Debian ships it (libcurl4-openssl-dev), plus typed wrappers.
 *
 * Swift cannot call C variadic functions, and curl_easy_setopt / curl_easy_getinfo are
 * variadic. Each wrapper below fixes the type of the one variadic argument, so the Swift
 * side picks the wrapper matching the option's documented type (long, curl_off_t, pointer,
 * callback). Passing the wrong type to an option is undefined behaviour in C; keeping one
 * wrapper per type keeps that choice visible at every call site. All names start with
 * `fh_curl_` so they never collide with curl's own.
 */
#ifndef FH_CCURL_SHIM_H
#define FH_CCURL_SHIM_H

#include <curl/curl.h>
#include <sys/socket.h>

/* Options of type `long` (CURLOPT_NOSIGNAL, CURLOPT_NOBODY, CURLOPT_TIMEOUT_MS, ...). */
static inline CURLcode fh_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type `curl_off_t` (the *_LARGE ones: CURLOPT_POSTFIELDSIZE_LARGE, ...). */
static inline CURLcode fh_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options taking a C string; libcurl copies strings (except CURLOPT_POSTFIELDS). */
static inline CURLcode fh_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options taking any other pointer (CURLOPT_WRITEDATA, CURLOPT_ERRORBUFFER, CURLOPT_COPYPOSTFIELDS,
 * ...). NULL is allowed where curl allows it. */
static inline CURLcode fh_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_HTTPHEADER (and other list options); NULL clears the list. The list is NOT copied. */
static inline CURLcode fh_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share the curl_write_callback shape. */
static inline CURLcode fh_curl_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/* CURLOPT_OPENSOCKETFUNCTION's callback: the socket libcurl asks for, close-on-exec from birth.
 * libcurl 7.88 (Debian 12) calls plain socket(), so a process spawned while a connection is kept
 * alive would inherit it. libcurl closes the socket itself, as it would its own. */
static inline curl_socket_t fh_curl_open_cloexec_socket(void *unused, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)unused;
    (void)purpose;
    int socket_fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    return socket_fd < 0 ? CURL_SOCKET_BAD : socket_fd;
}

/* Makes every socket of `handle` close-on-exec from birth (see fh_curl_open_cloexec_socket).
 * curl_easy_reset clears it, so set it again after each reset. */
static inline CURLcode fh_curl_setopt_cloexec_sockets(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, fh_curl_open_cloexec_socket);
}

/* CURLOPT_OPENSOCKETFUNCTION with a callback of the caller's (one that also checks the address). */
static inline CURLcode fh_curl_setopt_opensocket(CURL *handle, curl_opensocket_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
}

/* Info of type `long` (CURLINFO_RESPONSE_CODE, CURLINFO_NUM_CONNECTS, ...). */
static inline CURLcode fh_curl_getinfo_long(CURL *handle, CURLINFO info, long *out) {
    return curl_easy_getinfo(handle, info, out);
}

/* Info of type `curl_off_t` (CURLINFO_SIZE_DOWNLOAD_T, CURLINFO_TOTAL_TIME_T in microseconds, ...). */
static inline CURLcode fh_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(handle, info, out);
}

#endif /* FH_CCURL_SHIM_H */
