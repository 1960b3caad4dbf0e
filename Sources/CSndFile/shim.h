#ifndef PROMPTC_CSNDFILE_SHIM_H
#define PROMPTC_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
