// libFuzzer's entry for a program with its own main (compiler-rt FuzzerInterface.h). SwiftPM
// gives every executable target a renamed Swift entry point, so the fuzz targets cannot use
// libFuzzer's main: each has a @main that hands its test function to this driver.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
