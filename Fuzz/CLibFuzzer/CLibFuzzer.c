// Nothing to compile: the module only declares libFuzzer's driver (see include/CLibFuzzer.h),
// which `-sanitize=fuzzer` links in. A plain build never calls it.
#include "CLibFuzzer.h"
