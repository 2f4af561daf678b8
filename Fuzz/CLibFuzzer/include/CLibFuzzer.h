#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for a program that has its own `main` (libclang_rt.fuzzer, linked by
// `-sanitize=fuzzer`): parses the libFuzzer flags in argv and fuzzes `callback`.
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));

#endif
