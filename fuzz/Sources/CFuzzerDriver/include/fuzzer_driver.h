// libFuzzer's driver, callable from a program that has its own main (libFuzzer 11 and later).
// The definition comes from the libFuzzer runtime that `-sanitize=fuzzer` links in.
#ifndef FNHOST_FUZZER_DRIVER_H
#define FNHOST_FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*fnhost_fuzz_callback)(const uint8_t *data, size_t size);

/// Parses libFuzzer's command line and fuzzes (or replays the files given) with `callback`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, fnhost_fuzz_callback callback);

#endif
