#ifndef KEYSCOPE_CFUZZERDRIVER_H
#define KEYSCOPE_CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own `main` (llvm.org/docs/LibFuzzer.html,
/// "Using LibFuzzer as a library"). Defined by the libFuzzer runtime that `-sanitize=fuzzer`
/// links; `keyscope-fuzz` refers to it only when built with `-DKEYSCOPE_LIBFUZZER`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
