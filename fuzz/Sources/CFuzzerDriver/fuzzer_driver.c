// Nothing to define: this target only carries include/fuzzer_driver.h.
#include "fuzzer_driver.h"
