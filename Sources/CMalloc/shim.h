// glibc's malloc tuning (mallopt, malloc_trim), which Swift's Glibc module does not expose.
#if defined(__linux__)
#include <malloc.h>
#endif
